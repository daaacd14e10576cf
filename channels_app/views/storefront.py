from django.shortcuts import get_object_or_404, render

from shop.catalog.models import Category
from shop.catalog.selectors import product_list


def home(request):
    categories = Category.objects.filter(parent__isnull=True)
    products = product_list()[:12]
    return render(request, "storefront/home.html", {"categories": categories, "products": products})


def category(request, slug: str):
    current = get_object_or_404(Category, slug=slug)
    products = product_list(category=slug)
    return render(request, "storefront/category.html", {"category": current, "products": products})


def product(request, slug: str):
    item = get_object_or_404(product_list(), slug=slug)
    return render(request, "storefront/product.html", {"product": item})
