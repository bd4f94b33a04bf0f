from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response


class ProductViewSet(viewsets.ModelViewSet):
    lookup_field = "sku"

    @action(detail=True, methods=["post"], url_path="restock")
    def restock(self, request, sku=None):
        return Response({})

    @action(detail=False)
    def featured(self, request):
        return Response([])


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    pass


class ReviewViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    @action(detail=True, methods=["post"], url_path="flag")
    def flag(self, request, pk=None):
        return Response({})
