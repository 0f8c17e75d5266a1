"""The Streamlit internals and recent APIs the app and its load test rely on still exist in the installed version.

requirements.lock pins the version CI tested; this test says at once which piece moved when someone upgrades."""
import inspect

import streamlit as st


def test_protocol_messages_used_by_the_load_test():
    from streamlit.proto.Alert_pb2 import Alert
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    back = BackMsg()
    rerun = back.rerun_script
    for name in ("query_string", "page_name", "page_script_hash", "fragment_id", "is_auto_rerun"):
        assert hasattr(rerun, name), name
    assert hasattr(rerun.widget_states.widgets.add(), "trigger_value")
    assert hasattr(ForwardMsg, "FINISHED_EARLY_FOR_RERUN")
    fields = {f.name for f in ForwardMsg.DESCRIPTOR.fields}
    assert {"script_finished", "navigation", "auto_rerun", "page_not_found", "delta"} <= fields
    assert hasattr(Alert, "ERROR")


def test_public_apis_of_recent_versions():
    params = inspect.signature(st.cache_resource).parameters  # the lab's session-owned worker uses all three
    assert {"scope", "on_release", "validate"} <= set(params)
    assert "run_every" in inspect.signature(st.fragment).parameters
    assert "on_click" in inspect.signature(st.download_button).parameters
