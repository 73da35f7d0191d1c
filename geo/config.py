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
#: The shortest key accepted (bytes): HMAC-SHA256 wants at least its output's length.
MIN_KEY_BYTES = 32
HOW_TO_SET_KEY = (
    "Set CONTEXTS_PSEUDONYM_KEY to a secret of at least 32 bytes, kept out of the database "
    "and the code (e.g. `export CONTEXTS_PSEUDONYM_KEY=$(python3 -c "
    "'import secrets; print(secrets.token_urlsafe(48))')` in the service's environment "
    "file), and keep it: pseudonyms made with another key do not match."
)


class KeyRefused(RuntimeError):
    """The configured pseudonym key may not be used for this data."""


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
    read_replica: str | None = Field(
        default=None,
        description="Where the dashboard's page reads go: 'local' (the private cluster's "
        "streaming replica, `contexts db replica up`) or a libpq URL of a hot standby "
        "(the dashboard login). Unset: the primary. Loads and audit writes always go to "
        "the primary; a replica that does not answer falls back to the primary.",
    )
    pool_size: int = Field(
        default=4, ge=1,
        description="Most database connections one dashboard process holds for page "
        "reads (per server: primary, replica). Sessions borrow one per read and give it "
        "back, so open browsers hold none between reruns.",
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
    load_step_scale: float = Field(
        default=1.0, gt=0, description="Scales each load step's statement timeout "
        "(geo/ingest/_steps.py): above 1 on a slow server.")
    dashboard_timeout_ms: int = Field(
        default=10_000, ge=100, description="Longest statement of the dashboard role.")
    suppression_k: int = Field(
        default=5, description="Published counts 1..k-1 are shown as '<k' "
        f"({SUPPRESSION_K_RANGE[0]}..{SUPPRESSION_K_RANGE[1]}).")
    pseudonym_key: str = Field(default=DEMO_PSEUDONYM_KEY, repr=False)
    demo: bool = Field(default=True, description="Role switcher; embedded cluster only.")
    allowed_hosts: str = Field(
        default="",
        description="Host names (comma separated) the dashboard answers besides loopback: "
                    "the public name a reverse proxy forwards with its Host header.")

    @field_validator("pseudonym_key")
    @classmethod
    def _long_enough(cls, key: str) -> str:
        if len(key.encode()) < MIN_KEY_BYTES:
            raise ValueError(f"CONTEXTS_PSEUDONYM_KEY is {len(key.encode())} bytes: at least "
                             f"{MIN_KEY_BYTES} are needed. {HOW_TO_SET_KEY}")
        return key

    @property
    def demo_mode(self) -> bool:
        """Demo mode as configured: asked for, on the private cluster (the app also wants
        loopback, see geo.services.access.demo_allowed)."""
        return self.demo and self.embedded

    @property
    def key_fingerprint(self) -> str:
        """16 hex digits that tell keys apart without revealing them (an HMAC of a fixed
        label under the key): recorded with each extract."""
        import hashlib
        import hmac

        return hmac.new(self.pseudonym_key.encode(), b"contexts key fingerprint",
                        hashlib.sha256).hexdigest()[:16]

    def check_pseudonym_key(self) -> None:
        """Refuse the public demo key outside demo mode (raises :class:`KeyRefused`)."""
        if self.uses_demo_key and not self.demo_mode:
            raise KeyRefused(
                "The pseudonym key is the public demo key, which protects nothing: it is "
                "published in the code. Outside demo mode (CONTEXTS_DEMO=false, or a "
                f"DATABASE_URL) it is refused. {HOW_TO_SET_KEY}")

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
