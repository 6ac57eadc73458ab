"""The planners' desk (*suunnittelijan työpöytä*): the month in a browser, served by the
same app as the feeds (``planner serve --instance``).

``log`` keeps everything a person changes in the publication store (who, when, what);
``service`` reads plan folders into the views (by point, by person, equity, diff)
and runs re-plans as background jobs; ``app`` holds the routes and sign-in;
``templates/`` the Jinja2 pages (plain forms, no script build chain).
"""
