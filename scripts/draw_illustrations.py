# ruff: noqa: E501  (drawings read best one shape per line)
"""Draw the guide's illustrations of other apps and of ideas (static/guide/drawn/*.svg).

Simple schematic SVG made for Sésame: no logo, no copied artwork. Menus of other apps
show only the item to touch; the other items are grey bars, so a new version of the
app does not make the drawing wrong. Run: python scripts/draw_illustrations.py
"""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "static" / "guide" / "drawn"
BLUE, INK, SOFT, LINE, RING = "#1d4e89", "#1b1b1b", "#f3f5f8", "#b1b4b6", "#d9480f"
OK, BAD, PAPER, GOLD = "#0b6e35", "#b00020", "#fffdf5", "#f6c744"


def svg(*parts: str) -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240" viewBox="0 0 320 240" '
        'font-family="system-ui,Roboto,Arial,sans-serif" font-size="14">' + "".join(parts) + "</svg>\n"
    )


def rect(x, y, w, h, fill="#fff", stroke=LINE, rx=6, sw=2) -> str:
    return f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="{rx}" fill="{fill}" stroke="{stroke}" stroke-width="{sw}"/>'


def text(x, y, s, size=14, fill=INK, weight=400, anchor="start") -> str:
    return f'<text x="{x}" y="{y}" font-size="{size}" fill="{fill}" font-weight="{weight}" text-anchor="{anchor}">{s}</text>'


def bar(x, y, w, h=8, fill="#d5d8dc") -> str:
    return f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="{h / 2}" fill="{fill}"/>'


def ring(x, y, w, h) -> str:
    return f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="8" fill="none" stroke="{RING}" stroke-width="3.5"/>'


def tap(x, y) -> str:
    return (
        f'<circle cx="{x}" cy="{y}" r="13" fill="{RING}" opacity=".3"/><circle cx="{x}" cy="{y}" r="5" fill="{RING}"/>'
    )


def path(d, stroke=INK, sw=3, fill="none") -> str:
    return f'<path d="{d}" fill="{fill}" stroke="{stroke}" stroke-width="{sw}" stroke-linecap="round" stroke-linejoin="round"/>'


def check(x, y, s=1.0, color=OK) -> str:
    return path(f"M{x - 9 * s} {y} l{7 * s} {7 * s} l{13 * s} -{15 * s}", color, 4 * s)


def cross(x, y, s=1.0, color=BAD) -> str:
    d = 9 * s
    return path(f"M{x - d} {y - d} L{x + d} {y + d} M{x + d} {y - d} L{x - d} {y + d}", color, 4 * s)


def phone_top(*screen: str) -> str:
    """A phone seen from its top half: the screen is x 50..270, y 22..240."""
    return (
        rect(38, 8, 244, 260, "#2b2f33", "#2b2f33", 26) + rect(50, 22, 220, 240, "#fff", "#fff", 10) + "".join(screen)
    )


def phone_bottom(*screen: str) -> str:
    """A phone seen from its bottom half: the screen is x 50..270, y 0..218."""
    return (
        rect(38, -30, 244, 260, "#2b2f33", "#2b2f33", 26)
        + rect(50, -20, 220, 238, "#fff", "#fff", 10)
        + "".join(screen)
    )


def menu(x, y, w, items: list[str | None], pick: int) -> str:
    """A drop-down menu; None items are grey bars, `pick` is ringed."""
    out = [
        rect(x + 3, y + 4, w, 30 * len(items) + 8, "#00000022", "none", 6),
        rect(x, y, w, 30 * len(items) + 8, "#fff", LINE, 6),
    ]
    for i, item in enumerate(items):
        cy = y + 4 + 30 * i
        out.append(text(x + 10, cy + 20, item, 13) if item else bar(x + 10, cy + 11, w * 0.55))
        if i == pick:
            out.append(ring(x + 3, cy + 1, w - 6, 28))
    return "".join(out)


def envelope(x, y, w, h, fill=PAPER) -> str:
    return rect(x, y, w, h, fill, INK, 4, 2.5) + path(f"M{x} {y} L{x + w / 2} {y + h * 0.55} L{x + w} {y}", INK, 2.5)


def padlock(cx, cy, s=1.0, color=BLUE) -> str:
    return (
        path(f"M{cx - 22 * s} {cy} v-{18 * s} a{22 * s} {22 * s} 0 0 1 {44 * s} 0 v{18 * s}", color, 8 * s)
        + rect(cx - 36 * s, cy, 72 * s, 56 * s, color, color, 8 * s)
        + f'<circle cx="{cx}" cy="{cy + 24 * s}" r="{7 * s}" fill="#fff"/>'
        + rect(cx - 3 * s, cy + 26 * s, 6 * s, 16 * s, "#fff", "none", 2)
    )


def address_bar(y, label="") -> str:
    return rect(60, y, 176, 30, SOFT, LINE, 15) + text(74, y + 20, label, 13, "#505a5f")


def field(x, y, w, label, value="") -> str:
    return (
        text(x, y, label, 12, "#505a5f") + rect(x, y + 5, w, 28, "#fff", INK, 4, 1.5) + text(x + 8, y + 24, value, 13)
    )


def button(x, y, w, label, fill=BLUE, color="#fff") -> str:
    return rect(x, y, w, 30, fill, fill, 5) + text(x + w / 2, y + 20, label, 13, color, 600, "middle")


def toolbar(y, icons: list[str], pick: int) -> str:
    out = [rect(50, y, 220, 44, SOFT, "none", 0)]
    for i, icon in enumerate(icons):
        cx = 72 + i * 44
        out.append(text(cx, y + 29, icon, 20, INK, 700, "middle"))
        if i == pick:
            out.append(ring(cx - 18, y + 4, 36, 36) + tap(cx + 8, y + 30))
    return "".join(out)


def share_icon(cx, cy) -> str:
    return path(f"M{cx - 8} {cy - 4} h-4 v16 h24 v-16 h-4 M{cx} {cy + 4} v-16 m-6 6 l6 -6 l6 6", INK, 2.2)


def gray_lines(x, y, widths, gap=16) -> str:
    return "".join(bar(x, y + i * gap, w) for i, w in enumerate(widths))


def screen_title(y, s) -> str:
    return text(62, y, s, 15, INK, 700)


DRAWINGS = {
    "numen-courrier": svg(
        envelope(24, 120, 150, 96, "#e9edf2"),
        rect(96, 24, 196, 196, PAPER, INK, 4, 2.5),
        gray_lines(114, 46, [90, 130, 110]),
        text(114, 118, "NUMEN :", 15, INK, 700),
        *(rect(114 + i * 12.8, 128, 10, 16, BLUE, "none", 2) for i in range(13)),
        gray_lines(114, 168, [140, 120, 80]),
    ),
    "numen-jamais": svg(
        envelope(22, 80, 84, 56),
        check(64, 170, 1.4),
        text(64, 214, "Courrier", 14, INK, 600, "middle"),
        rect(136, 62, 48, 86, "#fff", INK, 8, 2.5),
        rect(148, 72, 24, 4, INK, "none", 2),
        cross(160, 170, 1.4),
        text(160, 214, "Téléphone", 14, INK, 600, "middle"),
        text(256, 130, "@", 72, INK, 700, "middle"),
        cross(256, 170, 1.4),
        text(256, 214, "Courriel", 14, INK, 600, "middle"),
    ),
    "service": svg(
        path("M60 90 L160 40 L260 90 Z", BLUE, 4, SOFT),
        rect(70, 90, 180, 12, BLUE, BLUE, 0),
        *(rect(84 + i * 40, 108, 16, 70, SOFT, BLUE, 2, 3) for i in range(5)),
        rect(60, 180, 200, 14, BLUE, BLUE, 0),
        envelope(226, 150, 70, 46),
    ),
    "cadenas": svg(padlock(160, 110, 1.4)),
    "identifiant": svg(
        '<text x="160" y="62" font-size="30" font-weight="600" text-anchor="middle">'
        f'<tspan fill="{RING}" font-weight="800">J</tspan><tspan fill="{INK}">ean </tspan>'
        f'<tspan fill="{BLUE}" font-weight="800">Dupont</tspan></text>',
        path("M160 90 v44 m-12 -12 l12 12 l12 -12", BLUE, 4),
        rect(70, 150, 180, 56, SOFT, BLUE, 8, 3),
        f'<text x="160" y="188" font-size="30" font-weight="700" text-anchor="middle">'
        f'<tspan fill="{RING}">j</tspan><tspan fill="{BLUE}">dupont</tspan></text>',
    ),
    "phrase": svg(
        *(
            rect(x, y, w, 40, SOFT, BLUE, 20, 3) + bar(x + 16, y + 16, w - 32, 8, "#9fb3c8")
            for x, y, w in ((24, 70, 80), (116, 70, 110), (238, 70, 60), (70, 130, 100), (182, 130, 80))
        )
    ),
    "liste": svg(
        rect(80, 24, 160, 200, PAPER, INK, 6, 2.5),
        rect(130, 16, 60, 18, LINE, INK, 4, 2),
        *(check(110, 70 + i * 50) + bar(134, 64 + i * 50, 80) for i in range(3)),
    ),
    "webmail-adresse": svg(
        phone_top(
            address_bar(34, "https://…"),
            ring(56, 30, 184, 38),
            text(250, 54, "⋮", 20, INK, 700),
            gray_lines(66, 90, [120, 170, 150, 90]),
            button(66, 170, 120, "Connexion", SOFT, INK),
        )
    ),
    "webmail-connexion": svg(
        phone_top(
            address_bar(34, "https://…"),
            screen_title(92, "Messagerie"),
            field(66, 114, 188, "Identifiant", "jdupont"),
            field(66, 164, 188, "Mot de passe", "••••••••••••"),
            button(66, 206, 100, "Valider"),
        )
    ),
    "deconnexion": svg(
        rect(60, 40, 200, 130, SOFT, INK, 8, 3),
        rect(130, 170, 60, 20, LINE, "none", 0),
        rect(100, 190, 120, 10, INK, "none", 4),
        path("M170 80 h-50 v50 h50 M150 105 h60 m-14 -14 l14 14 l-14 14", BLUE, 5),
    ),
    "telephone-config": svg(
        rect(110, 20, 100, 200, "#fff", INK, 14, 3),
        envelope(128, 60, 64, 42),
        f'<circle cx="196" cy="166" r="30" fill="{BLUE}"/><circle cx="196" cy="166" r="11" fill="#fff"/>',
        *(
            path(f"M196 166 l{dx} {dy}", BLUE, 9)
            for dx, dy in ((0, -38), (0, 38), (-38, 0), (38, 0), (27, 27), (-27, -27), (27, -27), (-27, 27))
        ),
    ),
    "reglages": svg(
        phone_top(
            screen_title(50, "Serveur entrant"),
            field(62, 72, 196, "Serveur", "imap.…"),
            field(62, 120, 80, "Port", "993"),
            field(156, 120, 102, "Sécurité", "SSL/TLS"),
            screen_title(188, "Serveur sortant"),
            field(62, 208, 196, "Serveur", "smtp.…"),
        )
    ),
    "gmail": svg(
        phone_top(
            text(62, 52, "Ajouter une adresse e-mail", 13, INK, 700),
            *(
                rect(62, 66 + i * 34, 196, 28, SOFT, "none", 4) + bar(74, 76 + i * 34, 70 + 20 * (i % 2))
                for i in range(4)
            ),
            rect(62, 202, 196, 28, SOFT, "none", 4),
            text(74, 221, "Autre", 14, INK, 600),
            ring(58, 198, 204, 36),
        )
    ),
    "samsung-email": svg(
        phone_top(
            screen_title(52, "Ajouter un compte"),
            field(62, 76, 196, "Adresse e-mail", "prenom.nom@…"),
            field(62, 130, 196, "Mot de passe", "••••••••••"),
            button(62, 190, 128, "Config. manuelle", SOFT, BLUE),
            ring(58, 186, 136, 38),
            rect(202, 190, 56, 30, BLUE, BLUE, 5),
            bar(214, 201, 32, 8, "#9fb3c8"),
        )
    ),
    "iphone-mail": svg(
        phone_top(
            screen_title(52, "Ajouter un compte"),
            *(bar(110, 74 + i * 28, 100, 10) for i in range(5)),
            text(160, 226, "Autre", 15, BLUE, 600, "middle"),
            ring(110, 206, 100, 30),
        )
    ),
    "ecran-accueil": svg(
        phone_top(
            *(
                rect(70 + (i % 4) * 48, 40 + (i // 4) * 62, 36, 36, ["#d5d8dc", "#c4ccd4", "#e1e5ea"][i % 3], "none", 9)
                for i in range(11)
            ),
            f'<g transform="translate(214 164) scale(.0703)"><rect width="512" height="512" rx="96" fill="{BLUE}"/>'
            f'<rect x="128" y="176" width="256" height="176" rx="10" fill="#fff"/><circle cx="376" cy="352" r="72" fill="{GOLD}"/></g>',
            ring(206, 158, 52, 68),
            text(232, 216, "Sésame", 11, INK, 600, "middle"),
        )
    ),
    "chrome-menu": svg(
        phone_top(
            address_bar(34, "sesame…"),
            text(252, 56, "⋮", 24, INK, 700, "middle"),
            ring(238, 30, 28, 36),
            tap(260, 60),
            menu(78, 74, 188, [None, None, None, "Ajouter à l'écran d'accueil", None], 3),
        )
    ),
    "samsung-internet-menu": svg(
        phone_bottom(
            rect(58, 14, 204, 138, "#fff", LINE, 10),
            *(
                rect(72 + (i % 4) * 48, 26 + (i // 4) * 58, 30, 26, SOFT, "none", 6)
                + bar(70 + (i % 4) * 48, 58 + (i // 4) * 58, 34, 6)
                for i in (0, 1, 2, 3, 6, 7)
            ),
            rect(72, 84, 30, 26, "#cfe0f3", "none", 6),
            text(68, 132, "Ajouter la page à", 12.5, INK, 600),
            ring(62, 78, 136, 64),
            toolbar(168, ["‹", "›", "⌂", "❐", "≡"], 4),
        )
    ),
    "firefox-menu": svg(
        phone_bottom(
            menu(74, 18, 188, [None, None, "Ajouter à l'écran d'accueil", None], 2),
            rect(50, 168, 220, 44, SOFT, "none", 0),
            rect(60, 176, 150, 28, "#fff", LINE, 14),
            text(74, 195, "sesame…", 13, "#505a5f"),
            text(246, 198, "⋮", 24, INK, 700, "middle"),
            ring(232, 172, 28, 36),
            tap(254, 200),
        )
    ),
    "safari-partager": svg(
        phone_bottom(
            rect(58, 8, 204, 146, "#fff", LINE, 12),
            bar(70, 22, 90),
            bar(70, 52, 120),
            bar(70, 82, 100),
            rect(66, 110, 188, 32, SOFT, "none", 6),
            text(78, 131, "Sur l'écran d'accueil", 13, INK, 600),
            text(238, 132, "⊞", 18, INK, 700, "middle"),
            ring(62, 106, 196, 40),
            rect(50, 168, 220, 44, SOFT, "none", 0),
            text(72, 197, "‹", 20, INK, 700, "middle"),
            text(116, 197, "›", 20, INK, 700, "middle"),
            share_icon(160, 190),
            ring(142, 172, 36, 36),
            tap(168, 200),
            text(204, 197, "▭", 18, INK, 700, "middle"),
            text(248, 197, "❐", 18, INK, 700, "middle"),
        )
    ),
    "deuxieme-facteur": svg(
        rect(18, 92, 110, 40, "#fff", INK, 6, 2),
        text(73, 119, "••••••", 22, INK, 700, "middle"),
        text(150, 122, "+", 34, BLUE, 700, "middle"),
        rect(178, 40, 90, 160, "#fff", INK, 12, 3),
        rect(188, 94, 70, 34, SOFT, "none", 4),
        text(223, 118, "482 913", 15, INK, 700, "middle"),
        text(223, 148, "ou", 13, "#505a5f", 400, "middle"),
        f'<circle cx="204" cy="172" r="10" fill="none" stroke="{BLUE}" stroke-width="4"/>',
        path("M214 172 h32 m-8 0 v8 m-8 -8 v6", BLUE, 4),
    ),
    "absence": svg(
        rect(24, 40, 150, 150, "#fff", INK, 6, 2.5),
        rect(24, 40, 150, 30, BLUE, BLUE, 6),
        *(
            rect(
                36 + (i % 5) * 27,
                82 + (i // 5) * 26,
                20,
                18,
                SOFT if i not in (6, 7, 8, 11, 12, 13) else "#cfe0f3",
                "none",
                3,
            )
            for i in range(20)
        ),
        envelope(196, 92, 100, 64),
        path("M300 176 q-40 30 -90 6 m10 -14 l-10 14 l16 6", OK, 4),
    ),
    "saisie": svg(
        rect(30, 90, 260, 54, "#fff", INK, 6, 3),
        text(46, 125, "jdupont", 22, INK, 600),
        path("M238 117 q22 -22 44 0 q-22 22 -44 0 Z", BLUE, 3),
        f'<circle cx="260" cy="117" r="6" fill="{BLUE}"/>',
    ),
    "cookies": svg(
        rect(30, 30, 260, 180, "#fff", INK, 8, 3),
        rect(30, 30, 260, 28, SOFT, INK, 8, 3),
        f'<circle cx="160" cy="134" r="50" fill="{GOLD}" stroke="#8a5a00" stroke-width="3"/>',
        *(
            f'<circle cx="{x}" cy="{y}" r="6" fill="#8a5a00"/>'
            for x, y in ((140, 116), (176, 112), (150, 150), (182, 146), (162, 132))
        ),
    ),
    "maintenance": svg(
        f'<circle cx="120" cy="120" r="70" fill="#fff" stroke="{INK}" stroke-width="4"/>',
        path("M120 70 v50 l32 20", BLUE, 6),
        path("M214 180 l50 -50 m-12 -16 a22 22 0 1 0 28 28", INK, 10),
    ),
    "lettre": svg(
        envelope(40, 50, 240, 150),
        rect(232, 62, 34, 40, "#cfe0f3", BLUE, 2, 2),
        text(140, 150, "Rectorat", 18, INK, 700),
        bar(140, 162, 110),
        bar(140, 180, 80),
    ),
    "hameconnage": svg(
        envelope(30, 90, 170, 110),
        path("M250 0 V120 a24 24 0 1 1 -40 18 l-8 -6", INK, 5),
        path("M202 132 l14 -4", INK, 5),
        text(115, 80, "Urgent !", 18, BAD, 700, "middle"),
    ),
    "alerte": svg(
        envelope(40, 70, 160, 110),
        path("M238 52 L292 150 H184 Z", "#8a5a00", 5, GOLD),
        text(238, 138, "!", 44, INK, 700, "middle"),
    ),
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    total = 0
    for name, content in DRAWINGS.items():
        (OUT / f"{name}.svg").write_text(content, encoding="utf-8")
        total += len(content.encode())
    print(f"{len(DRAWINGS)} illustrations, {total} bytes, in {OUT}")


if __name__ == "__main__":
    main()
