"""Settings from environment variables and ``.env`` (names shared by deployments and docs)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConfigurationError(RuntimeError):
    """The service must not start with this configuration."""


DEV_SECRET_KEY = "dev-only-secret-change-me"  # public (it is in the source): development only
MIN_SECRET_BYTES = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field("sqlite:///./var/kyodo.db", alias="DATABASE_URL")
    env: Literal["development", "production"] = Field("development", alias="KYODO_ENV")
    timezone: str = Field("Asia/Tokyo", alias="KYODO_TIMEZONE")
    # None: the ward configuration's default_language (ふつう "ja" unless the ward says otherwise).
    default_language: Literal["ja", "easy", "en"] | None = Field(
        None, alias="KYODO_DEFAULT_LANGUAGE"
    )
    simulator: bool | None = Field(None, alias="KYODO_SIMULATOR")
    ward_config: str | None = Field(None, alias="KYODO_WARD_CONFIG")
    privacy_policy_url: str = Field("https://example.jp/kyodo/privacy", alias="KYODO_PRIVACY_URL")
    public_base_url: str = Field("http://127.0.0.1:8000", alias="KYODO_PUBLIC_URL")
    run_scheduler: bool = Field(True, alias="KYODO_RUN_SCHEDULER")
    process_events: bool = Field(True, alias="KYODO_PROCESS_EVENTS")
    log_level: str = Field("INFO", alias="KYODO_LOG_LEVEL")
    secret_key: str = Field(DEV_SECRET_KEY, alias="KYODO_SECRET_KEY")
    secret_key_previous: str | None = Field(None, alias="KYODO_SECRET_KEY_PREVIOUS")
    privacy_version: str = Field("2026-11", alias="KYODO_PRIVACY_VERSION")
    posts_per_hour: int = Field(10, alias="KYODO_POSTS_PER_HOUR")
    messages_per_hour: int = Field(120, alias="KYODO_MESSAGES_PER_HOUR")
    report_threshold: int = Field(3, alias="KYODO_REPORT_THRESHOLD")
    public_cache_seconds: float | None = Field(None, ge=0, alias="KYODO_PUBLIC_CACHE_SECONDS")

    line_channel_secret: str | None = Field(None, alias="LINE_CHANNEL_SECRET")
    line_channel_access_token: str | None = Field(None, alias="LINE_CHANNEL_ACCESS_TOKEN")
    line_api_base_url: str = Field("https://api.line.me", alias="LINE_API_BASE_URL")

    slack_signing_secret: str | None = Field(None, alias="SLACK_SIGNING_SECRET")
    slack_bot_token: str | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_api_base_url: str = Field("https://slack.com/api/", alias="SLACK_API_BASE_URL")
    slack_staff_channel_id: str | None = Field(None, alias="SLACK_STAFF_CHANNEL_ID")
    slack_staff_usergroup_id: str | None = Field(None, alias="SLACK_STAFF_USERGROUP_ID")
    slack_app_token: str | None = Field(None, alias="SLACK_APP_TOKEN")

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def public_cache_ttl(self) -> float:
        """Seconds /public and open data are served from the render cache: 60 in production,
        0 (off) in development so the simulator shows changes at once."""
        if self.public_cache_seconds is not None:
            return self.public_cache_seconds
        return 60.0 if self.is_production else 0.0

    @property
    def line_enabled(self) -> bool:
        return bool(self.line_channel_secret and self.line_channel_access_token)

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_signing_secret and self.slack_bot_token)

    @property
    def simulator_enabled(self) -> bool:
        if self.simulator is not None:
            return self.simulator
        return not self.is_production

    @property
    def link_secrets(self) -> tuple[str, ...]:
        """Keys a signed link may carry: the current one, then the one it replaced."""
        previous = self.secret_key_previous
        return (self.secret_key, previous) if previous else (self.secret_key,)

    def check(self) -> list[str]:
        """Validate the configuration; returns log lines for disabled channels.

        In production a half-configured channel, or a missing, short or development
        ``KYODO_SECRET_KEY``, refuses to start, naming the variable.
        """
        notes: list[str] = []
        pairs = {
            "LINE": (
                ("LINE_CHANNEL_SECRET", self.line_channel_secret),
                ("LINE_CHANNEL_ACCESS_TOKEN", self.line_channel_access_token),
            ),
            "Slack": (
                ("SLACK_SIGNING_SECRET", self.slack_signing_secret),
                ("SLACK_BOT_TOKEN", self.slack_bot_token),
            ),
        }
        for channel, ((name_a, a), (name_b, b)) in pairs.items():
            if a and b:
                continue
            if a or b:
                missing = name_b if a else name_a
                if self.is_production:
                    raise ConfigurationError(
                        f"{channel} is half-configured: set {missing} or unset both "
                        f"{name_a} and {name_b}"
                    )
                notes.append(f"{channel} channel disabled: {missing} is not set")
            else:
                notes.append(f"{channel} channel disabled: no credentials configured")
        if self.is_production:
            _check_secret("KYODO_SECRET_KEY", self.secret_key)
            if self.secret_key_previous is not None:
                _check_secret("KYODO_SECRET_KEY_PREVIOUS", self.secret_key_previous)
        return notes


def _check_secret(name: str, value: str) -> None:
    """Anyone who reads the source knows the development key: it would let them forge links."""
    hint = 'make one with: python -c "import secrets; print(secrets.token_urlsafe(48))"'
    if value == DEV_SECRET_KEY:
        raise ConfigurationError(f"{name} is the development value; {hint}")
    if len(value.encode()) < MIN_SECRET_BYTES:
        raise ConfigurationError(
            f"{name} is shorter than {MIN_SECRET_BYTES} bytes (or not set); {hint}"
        )
