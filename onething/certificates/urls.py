from django.urls import path

from onething.certificates import views

app_name = "certificates"

urlpatterns = [
    path("verify/", views.verify_form, name="verify-form"),
    path("verify/<str:number>/", views.verify, name="verify"),
    path("certificates/<str:number>.pdf", views.download_pdf, name="pdf"),
    path("certificates/<str:number>/share/", views.share, name="share"),
]
