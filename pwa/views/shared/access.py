"""Who may open a page: `signed_in` (a signed-in, active account), `recent` (a
sign-in from the last 10 minutes, for sensitive changes) and `staff(role)` (the
Gestion area, DESIGN §3.10). Every decorated view gets what it needs as arguments."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import wraps
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from pwa.directory import Account
from pwa.parse import ascii_int
from pwa.security.roles import Grant, allows
from pwa.views import redirect_to, render, sesame

View = Callable[[Request], Awaitable[Response]]
Handler = Callable[[Request, Account], Awaitable[Response]]


def signed_in(view: Callable[[Request, Account], Awaitable[Response]]) -> View:
    @wraps(view)
    async def wrapper(request: Request) -> Response:
        session = request.state.session.get()
        account = sesame(request).directory.get(session.account_id) if session and session.authenticated else None
        if account is None or not account.active:
            return redirect_to(request, "/connexion?suite=" + quote(request.url.path))
        return await view(request, account)

    return wrapper


def recent(view: Handler) -> Handler:
    @wraps(view)
    async def wrapper(request: Request, account: Account) -> Response:
        if sesame(request).factors.is_recent(request.state.session.get()):
            return await view(request, account)
        path = request.url.path
        if request.method != "GET":  # back to the page that holds the form, not the POST URL
            pages = ("/compte/securite", "/compte/mots-de-passe-application")
            path = next((page for page in pages if path.startswith(page)), "/compte")
        target = "/connexion?raison=confirmer&suite=" + quote(path)
        if request.headers.get("content-type", "").startswith("application/json"):
            return JSONResponse({"redirect": target}, status_code=409)
        return redirect_to(request, target)

    return wrapper


# What each refusal tells the agent (all with status 403).
REFUSALS = {
    "no_role": "Cette partie de Sésame est réservée aux personnes chargées de la gestion "
    "ou de l'assistance. Si vous devriez y avoir accès, demandez-le à votre responsable.",
    "wrong_role": "Votre rôle ne donne pas accès à cette page.",
    "scope": "Ce compte ou cet établissement ne fait pas partie de votre périmètre.",
    "no_factor": "Pour entrer dans la gestion, votre compte doit être protégé par une deuxième "
    "étape : une clé d'accès ou une application de codes.",
    "password_only": "Vous vous êtes connecté avec votre mot de passe seul. Pour entrer dans "
    "la gestion, reconnectez-vous avec votre deuxième étape (clé d'accès ou code).",
}


@dataclass(frozen=True)
class Staff:
    """The agent at work, and what the page is about."""

    agent: Account
    grants: list[Grant]
    page_account: Account | None = None  # target="account": the account in ?compte=
    page_uai: str | None = None  # target="uai": the établissement in ?uai=

    @property
    def account(self) -> Account:
        """The account of a target="account" page (the decorator found it)."""
        if self.page_account is None:
            raise LookupError("not a target='account' page")
        return self.page_account

    @property
    def uai(self) -> str:
        """The établissement of a target="uai" page (the decorator found it)."""
        if self.page_uai is None:
            raise LookupError("not a target='uai' page")
        return self.page_uai

    def has_role(self, role: str) -> bool:
        """Somewhere in its scope."""
        return any(g.role in (role, "admin") for g in self.grants)


StaffView = Callable[[Request, Staff], Awaitable[Response]]


def refuse(request: Request, reason: str) -> Response:
    return render(
        request,
        "gestion/refused.html",
        {
            "reason": reason,
            "message": REFUSALS[reason],
            "path": request.url.path + ("?" + request.url.query if request.url.query else ""),
        },
        status=403,
    )


def staff(role: str | None, *, target: str | None = None) -> Callable[[StaffView], Callable]:
    """`role` None: any staff role. `target` "account" or "uai": the page is
    about ?compte=ID or ?uai=UAI, which must be within the role's scope."""

    def decorate(view: StaffView) -> Callable[[Request], Awaitable[Response]]:
        @wraps(view)
        async def wrapper(request: Request) -> Response:
            s = sesame(request)
            session = request.state.session.get()
            agent = s.directory.get(session.account_id) if session and session.authenticated else None
            if agent is None or not agent.active:
                return redirect_to(request, "/connexion?suite=" + quote(request.url.path))
            grants = s.roles.grants(agent.id)
            if not grants:
                return refuse(request, "no_role")
            if role is not None and not Staff(agent, grants).has_role(role):
                return refuse(request, "wrong_role")
            if not s.authenticators.has_factor(agent.id):
                return refuse(request, "no_factor")
            if session.data.get("auth", "password") == "password":
                return refuse(request, "password_only")
            context = Staff(agent, grants)
            if target == "account":
                raw = request.query_params.get("compte", "")
                account_id = ascii_int(raw)
                account = s.directory.get(account_id) if account_id else None
                if account is None:
                    return render(
                        request, "error.html", {"status": 404, "message": "Ce compte n'existe pas."}, status=404
                    )
                if not allows(grants, role or "admin", account.uai):
                    return refuse(request, "scope")
                if s.roles.grants(account.id) and not allows(grants, "admin", None):
                    # A staff account (its roles may reach beyond this établissement) is
                    # handled by an académie-wide admin only: no agent can take over a
                    # wider account through a code, or disable it.
                    return refuse(request, "scope")
                context = Staff(agent, grants, page_account=account)
            elif target == "uai":
                uai = request.query_params.get("uai", "").strip().upper()[:20]
                if not s.etablissements.exists(uai):
                    return render(
                        request, "error.html", {"status": 404, "message": "Cet établissement n'existe pas."}, status=404
                    )
                if not allows(grants, role or "admin", uai):
                    return refuse(request, "scope")
                context = Staff(agent, grants, page_uai=uai)
            return await view(request, context)

        wrapper.__dict__.update(staff_role=role, staff_target=target)  # the route-table test reads them
        return wrapper

    return decorate
