from rest_framework.pagination import LimitOffsetPagination, PageNumberPagination


class BigPages(PageNumberPagination):  # expect: API002
    page_size = 50
    page_size_query_param = "size"


class SafePages(PageNumberPagination):
    page_size = 50
    page_size_query_param = "size"
    max_page_size = 200


class Offsets(LimitOffsetPagination):
    default_limit = 20
    max_limit = 100
