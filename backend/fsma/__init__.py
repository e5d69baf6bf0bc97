"""FSMA 204: the FDA's electronic sortable spreadsheet of critical tracking events and their key data elements."""
