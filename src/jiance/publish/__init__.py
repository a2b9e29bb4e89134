"""Rendering jiance records for people: Markdown now; issues, editions and PDF/HTML/DOCX later."""
