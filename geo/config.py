"""Configuration, read from the environment (prefix ``CONTEXTS_``) and ``DATABASE_URL``.

One settings object is the only place the rest of the code looks for paths, database
addresses, the basemap and disclosure thresholds, so that a deployment changes behaviour
by environment alone.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: the smallest and largest CONTEXTS_SUPPRESSION_K the app starts with
SUPPRESSION_K_RANGE = (2, 20)

#: The key used to pseudonymise person identifiers when none is configured. It is public,
#: so pseudonyms made with it protect nothing: fit only for the synthetic demo data.
DEMO_PSEUDONYM_KEY = "DEMO-KEY-NOT-SECRET-do-not-use-with-real-data"


class Settings(BaseSettings):
    """Every setting of the project, with its default."""

    model_config = SettingsConfigDict(env_prefix="CONTEXTS_", extra="ignore")

    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "CONTEXTS_DATABASE_URL"),
        description="libpq URL of a PostGIS server; unset means the private cluster.",
    )
    dashboard_database_url: str | None = Field(
        default=None,
        description="URL the dashboard uses (the read-only role); derived when unset.",
    )
    loader_database_url: str | None = Field(
        default=None, description="URL loads use (the loader role); derived when unset."
    )
    home: Path = Field(default=PROJECT_ROOT, description="Project folder; holds var/.")
    state_dir: Path = Field(
        default=Path("/var/lib/contexts"),
        description="Where private clusters live when the server runs as another user (root): "
        "one folder per checkout, named from its path; var/pg links there.",
    )
    database_name: str = "contexts"
    area_code: str = Field(
        default="E08000025",
        description="Area of boundary files that name none (E08000025 is Birmingham).",
    )
    area_name: str = "Birmingham"
    tiles: str = Field(
        default="none",
        description="Basemap: 'none', 'openstreetmap', or a tiles URL template.",
    )
    tiles_attribution: str = "© OpenStreetMap contributors"
    basemap: Path | None = Field(
        default=None,
        description="A local PMTiles file (vector, Protomaps basemap layers) drawn under the "
        "map in the browser: a basemap with no internet (e.g. an OS or OSM extract).",
    )
    max_upload_mb: int = Field(default=200, ge=1, description="Largest file a load accepts.")
    suppression_k: int = Field(
        default=5, description="Published counts 1..k-1 are shown as '<k' (2..20).")
    pseudonym_key: str = Field(default=DEMO_PSEUDONYM_KEY, repr=False)
    demo: bool = Field(default=True, description="Role switcher; embedded cluster only.")

    @field_validator("suppression_k")
    @classmethod
    def _k_in_range(cls, k: int) -> int:
        if not SUPPRESSION_K_RANGE[0] <= k <= SUPPRESSION_K_RANGE[1]:
            raise ValueError(
                f"CONTEXTS_SUPPRESSION_K is {k}: it must be a whole number from "
                f"{SUPPRESSION_K_RANGE[0]} to {SUPPRESSION_K_RANGE[1]} (published counts "
                f'from 1 to k-1 are shown as "<k"; 5 is the usual value)')
        return k

    @property
    def embedded(self) -> bool:
        """True when the project runs its own private PostGIS cluster."""
        return self.database_url is None

    @property
    def var_dir(self) -> Path:
        return self.home / "var"

    @property
    def uses_demo_key(self) -> bool:
        return self.pseudonym_key == DEMO_PSEUDONYM_KEY


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings()
