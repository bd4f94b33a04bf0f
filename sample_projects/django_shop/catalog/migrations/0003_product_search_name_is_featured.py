from django.db import migrations, models


def fill_search_name(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    for product in Product.objects.all():
        product.search_name = product.name.lower()
        product.save(update_fields=["search_name"])


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0002_product_sku"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="search_name",
            field=models.CharField(blank=True, default="", max_length=200),
        ),
        migrations.AddField(
            model_name="product",
            name="is_featured",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(fill_search_name),
    ]
