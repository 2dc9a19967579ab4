"""Figure builders: pure functions from engine objects to Plotly figures (no Streamlit)."""
