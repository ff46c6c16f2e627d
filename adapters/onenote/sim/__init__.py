"""A OneNote simulator: Microsoft Graph's OneNote pages and a Microsoft sign-in endpoint,
served over https on loopback (MSAL talks to https authorities only)."""
