from django.urls import path

from cases.suggest.api import CategorySuggestView

urlpatterns = [path("categories/suggest/", CategorySuggestView.as_view(), name="api-category-suggest")]
