"""The import's preview in French (issue 15): what applying the file will change, with names,
for `sesame import --dry-run` and before the confirmation (pwa/services/leavers.py plans it)."""

from __future__ import annotations

from pwa.services.leavers import ImportPlan

SHOWN = 50  # names listed per group on a terminal; the rest is counted


def groups(plan: ImportPlan) -> list[tuple[str, str, tuple[str, ...]]]:
    """(key, French title, names) of each group, in the order shown."""
    scope = ", ".join(plan.scope)
    return [
        ("new", "Nouvelles personnes", plan.new),
        ("updated", "Mises à jour", plan.updated),
        ("leaving", f"Départs : absentes de la liste complète ({scope})" if scope else "Départs", plan.leaving),
        ("restored", "Retours : de nouveau dans la liste, compte rétabli", plan.restored),
        ("unchanged", "Inchangées", plan.unchanged),
    ]


def preview_lines(plan: ImportPlan, grace_days: int, shown: int = SHOWN) -> list[str]:
    lines = ["Aperçu de l'import :"]
    for _, title, names in groups(plan):
        lines.append(f"{title} : {len(names)}")
        lines += [f"  - {name}" for name in names[:shown]]
        if len(names) > shown:
            lines.append(f"  … et {len(names) - shown} autres")
    if plan.leaving:
        lines.append(
            f"Les comptes sur le départ seront désactivés après {grace_days} jours (commande « sesame leavers »), "
            "jamais supprimés. Une personne de nouveau dans une liste est rétablie."
        )
    return lines
