"""The pages, one file each (run by Streamlit as scripts; see geo.roles.PAGES)."""
