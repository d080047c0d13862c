"""What people look at: Leaflet maps (maps, assets), charts, the presentation's scenes,
printed reports (PNG, PDF) and exports for QGIS, Excel and a browser."""

__all__ = ["assets", "charts", "export", "maps", "report", "scenes"]
