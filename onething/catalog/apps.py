from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "onething.catalog"
    label = "catalog"
    verbose_name = "事项目录"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from onething.catalog import models, translation  # noqa: F401 (its signals)
        from onething.catalog.services import on_catalog_row_changed

        for model in self.get_models():
            if model is not models.CatalogState:
                post_save.connect(on_catalog_row_changed, sender=model,
                                  dispatch_uid=f"catalog-changed-save-{model.__name__}")
                post_delete.connect(on_catalog_row_changed, sender=model,
                                    dispatch_uid=f"catalog-changed-delete-{model.__name__}")
