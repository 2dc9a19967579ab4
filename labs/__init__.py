"""The lessons, one package each: model (numpy), figures (Plotly), view (Streamlit), text."""
