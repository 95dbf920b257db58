"""Journeys 3 and 5b-c: a one-time code from an activation letter or from
the help desk leads to choosing the password; and the request for a new
letter by post, with a reference to follow it.

Wrong codes throttle the client (never void a letter code: a stranger must
not spoil someone's letter). Answers are uniform: nothing tells whether an
identifiant exists or has a code."""

from __future__ import annotations

from functools import partial

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from pwa.services.letters import REQUESTS_PER_CLIENT_HOUR, STALE_REQUEST_DAYS
from pwa.services.signin import code_purpose
from pwa.views import read_form, redirect, render, sesame
from pwa.views.shared import forms
from pwa.views.shared.forms import anti_automation
from pwa.views.shared.messages import refusal

CODE_FAILURE = (
    "Ce code ne correspond pas à cet identifiant, ou il n'est plus valable. Vérifiez les deux. "
    "Si votre lettre a été réimprimée, seul le code de la dernière lettre marche. "
    "Vous avez déjà choisi votre mot de passe avec ce code ? Connectez-vous."
)


async def enter_code(request: Request) -> Response:
    """/activation: identifiant + code. The QR code of a letter opens this page
    with the code after `#`; a small script copies it into the field."""
    s = sesame(request)
    if request.method == "GET":
        values = {"identifiant": request.query_params.get("identifiant", "")[:64]}
        return render(request, "activation/code.html", {"values": values})
    form = await read_form(request)
    errors = forms.Errors()
    identifiant = forms.identifiant(form.get("identifiant", ""), errors)
    typed = form.get("code", "")
    values = {"identifiant": form.get("identifiant", "")}
    if not typed.strip():
        errors.add("code", "Indiquez le code écrit sur votre lettre, ou reçu de l'assistance.")
    elif code_purpose(typed) is None:
        errors.add(
            "code",
            "Un code compte 12 caractères (lettre) ou 8 caractères (assistance), lettres et chiffres. "
            "Il ne contient jamais 0, 1, I ni O.",
        )
    refused = await anti_automation(request, form, errors)
    if errors:
        # The code is never sent back into the page.
        status = refused.status if refused else 422
        return render(request, "activation/code.html", {"values": values, "errors": errors}, status=status)
    account = await run_in_threadpool(s.directory.by_login, identifiant)
    checked = await run_in_threadpool(s.signin.check_code, account, typed, request.state.client)
    if checked.code_id is None or account is None:
        message, status = refusal(checked.attempt, s.profile, CODE_FAILURE)
        errors.add("code", message)
        return render(request, "activation/code.html", {"values": values, "errors": errors}, status=status)
    s.grants.start(request.state.session, account, via=checked.via, code_id=checked.code_id)
    return redirect(request, "password_choose")


async def self_help(request: Request) -> Response:
    """Journey 5, M'auto dépanner: the ways back in without the NUMEN."""
    return render(request, "activation/help.html")


# Journey 5b: a new letter by post --------------------------------------------


async def request_letter(request: Request) -> Response:
    s = sesame(request)
    if request.method == "GET":
        return render(request, "activation/request.html", {"values": {}, "errors": forms.Errors()})
    form = await read_form(request)
    errors = forms.Errors()
    keys = ("prenom", "nom", "jour", "mois", "annee", "etablissement", "uai")
    values = {k: form.get(k, "")[:120] for k in keys}
    if not values["prenom"].strip():
        errors.add("prenom", "Indiquez votre prénom.")
    if not values["nom"].strip():
        errors.add("nom", "Indiquez votre nom, celui de votre contrat.")
    birth = forms.birth_date(form, errors, today=s.store.today())
    choices: list[dict] = []
    uai = values["uai"].strip().upper()
    if uai:
        choices = s.etablissements.find(uai)
    if len(choices) != 1:
        choices = s.etablissements.find(values["etablissement"])
        if not values["etablissement"].strip():
            errors.add("etablissement", "Indiquez votre établissement : son nom ou son code.")
        elif not choices:
            errors.add(
                "etablissement",
                "Nous ne trouvons pas cet établissement. Tapez un seul mot de son nom (par exemple « Hugo ») "
                "ou son code à 7 chiffres et une lettre.",
            )
        elif len(choices) > 1:
            errors.add("etablissement", "Plusieurs établissements portent ce nom : choisissez le vôtre dans la liste.")
    refused = await anti_automation(request, form, errors)
    context = {"values": values, "errors": errors, "choices": choices if len(choices) > 1 else []}
    if errors or birth is None:  # birth_date gives None with an error
        return render(request, "activation/request.html", context, status=refused.status if refused else 422)
    client = request.state.client
    if s.letters.requests_from(client) >= REQUESTS_PER_CLIENT_HOUR:
        errors.add("prenom", "Trop de demandes depuis cette connexion. Réessayez dans une heure.")
        return render(request, "activation/request.html", context, status=429)
    etablissement = choices[0]
    reference = await run_in_threadpool(
        partial(
            s.letter_requests.submit,
            first_name=values["prenom"],
            last_name=values["nom"],
            uai=etablissement["uai"],
            birth=birth,
            client=client,
        )
    )
    return render(
        request,
        "activation/requested.html",
        {"reference": reference, "etablissement": etablissement},
        status=201,
    )


async def follow_request(request: Request) -> Response:
    """Status of a request by its reference. Unknown details gave a reference
    too: it reads the same until a letter is printed."""
    s = sesame(request)
    reference = "".join(request.query_params.get("reference", "").split()).upper()[:20]
    errors = forms.Errors()
    row = None
    if "reference" in request.query_params:
        if not reference:
            errors.add("reference", "Indiquez la référence de votre demande, par exemple L-ABCD2345.")
        else:
            if not reference.startswith("L-"):
                reference = "L-" + reference
            row = s.letters.status(reference)
            if row is None:
                errors.add("reference", "Aucune demande ne porte cette référence. Vérifiez-la.")
    # A request replaced by a newer one reads like a queued one: otherwise the
    # page would tell whether the first request's details matched an account.
    stale = bool(
        row
        and row["status"] not in ("printed", "served")
        and s.store.now() - row["created_at"] > STALE_REQUEST_DAYS * 86400
    )
    status = 404 if errors and reference else (422 if errors else 200)
    return render(
        request,
        "activation/follow.html",
        {"values": {"reference": reference}, "errors": errors, "request_row": row, "stale": stale},
        status=status,
    )
