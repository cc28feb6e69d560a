"""Mediation and grassroots work (issue 6): disputes found by screening (矛盾纠纷排查), mediations
(人民调解, 三所联动), visits (上门办信, 下访, 走访), leaders' reception days (领导接访) and the neighbourhood
service points (家门口服务点). See docs/grassroots.md."""
