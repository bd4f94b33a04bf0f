from graphene_django import DjangoObjectType


class ModelObjectType(DjangoObjectType):
    class Meta:
        abstract = True
