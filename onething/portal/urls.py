from django.urls import path

from onething.portal import (
    account_views,
    application_views,
    hall_views,
    progress_views,
    scenario_views,
    search_views,
    views,
)

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("bundles/<slug:slug>/", views.bundle_detail, name="bundle"),
    path("bundles/<slug:slug>/apply/", application_views.apply, name="apply"),
    path("scenarios/", scenario_views.scenario_list, name="scenarios"),
    path("scenarios/<slug:slug>/", scenario_views.scenario_detail, name="scenario"),
    path("scenarios/<slug:slug>/poster/", scenario_views.scenario_poster,
         name="scenario_poster"),
    path("login/", account_views.login_view, name="login"),
    path("logout/", account_views.logout_view, name="logout"),
    path("register/", account_views.register, name="register"),
    path("account/identity/", account_views.identity, name="identity"),
    path("applications/", application_views.application_list, name="applications"),
    path("applications/<int:application_id>/", application_views.application_detail,
         name="application"),
    path("applications/<int:application_id>/cases/<int:case_id>/resubmit/",
         application_views.resubmit, name="resubmit"),
    path("applications/<int:application_id>/cases/<int:case_id>/supply/",
         application_views.supply, name="supply"),
    path("applications/<int:application_id>/delivery/", application_views.change_delivery,
         name="change-delivery"),
    path("applications/<int:application_id>/withdraw/", application_views.withdraw,
         name="withdraw"),
    path("notifications/", application_views.notifications, name="notifications"),
    path("search/", search_views.search, name="search"),
    path("halls/", hall_views.halls, name="halls"),
    path("progress/", progress_views.progress, name="progress"),
]
