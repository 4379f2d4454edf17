"""Page objects: what a person can see and do on each page, by stable selectors
(names and ids of fields, not translated text), so they work in every language."""

from tests.browser.pages.base import PortalPage
from tests.browser.pages.dossiers import (
    ChoosePage,
    DossierPage,
    ExportPage,
    ExportStatusPage,
    IncidentReviewPage,
    NewDossierPage,
    OccurrencesPage,
    ReauthenticatePage,
    ReviewPage,
    SecondFactorSetupPage,
    VerifyPage,
    WorkspacePage,
)
from tests.browser.pages.evidence import EvidenceItemPage, ReceiptPage, UploadPage
from tests.browser.pages.reports import (
    MyReportsPage,
    ReportFormPage,
    ReportPage,
    ReportReceiptPage,
    ThreadPage,
)
from tests.browser.pages.sign_in import InvitationPage, LoginPage

__all__ = ["ChoosePage", "DossierPage", "EvidenceItemPage", "ExportPage", "ExportStatusPage",
           "IncidentReviewPage",
           "InvitationPage", "LoginPage", "MyReportsPage", "NewDossierPage", "OccurrencesPage",
           "PortalPage",
           "ReauthenticatePage", "ReceiptPage", "ReportFormPage", "ReportPage",
           "ReportReceiptPage", "ReviewPage", "SecondFactorSetupPage", "ThreadPage",
           "UploadPage", "VerifyPage", "WorkspacePage"]
