from django.urls import path

from . import views

account_patterns = [
    path("login/", views.login_view, name="login"),
]
