"""The consolidated reply upstream, one subject in three steps: the figures and rows of a
dispatch (figures.py, also the JSON export), the workbook and cover letter made from them
(documents.py), and the email that sends both once (sending.py)."""
