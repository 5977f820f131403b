"""The production settings in .streamlit/config.toml (issue 7): XSRF on, the upload ceiling the importer's,
no error details to the browser, no usage statistics, no data export that bypasses the safe downloads."""

import tomllib

from etl.load import MAX_FILE_MB, MAX_UPLOAD_MB
from store import db

CONFIG = db.ROOT / ".streamlit" / "config.toml"


def test_production_settings():
    config = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["maxUploadSize"] == MAX_UPLOAD_MB >= MAX_FILE_MB
    assert config["server"]["enableStaticServing"] is False
    assert config["browser"]["gatherUsageStats"] is False
    assert config["client"]["showErrorDetails"] == "none"
    assert config["client"]["disableDataExport"] is True


def test_streamlit_reads_them():
    import streamlit.config as st_config

    st_config.get_config_options(force_reparse=True)
    assert st_config.get_option("server.enableXsrfProtection") is True
    assert st_config.get_option("server.maxUploadSize") == MAX_UPLOAD_MB
    assert st_config.get_option("client.showErrorDetails") == "none"
