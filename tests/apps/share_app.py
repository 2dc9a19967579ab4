"""A tiny page for AppTest: settings in the URL, then a share link."""

import streamlit as st

from ui.share import share_link

st.query_params["lr"] = "0.1"
st.query_params["act"] = "tanh & relu"
share_link(key="demo", note="Restores the learning rate and the activation.")
