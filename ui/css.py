"""The app's static CSS (no user text in it): every page's, and presentation mode's for a projector."""

# Every page: static CSS (no user text). Metric values and labels wrap instead of being cut to "0.1…"; formulas are
# set smaller on a phone (long ones are split into lines there, Page.latex). A hidden control leaves no slot (nor does
# a wrapper or row holding only hidden ones); a locked one keeps the theme's text colour (Streamlit fades disabled
# widgets to 2.4–2.6:1) and says "Set by your teacher" under it. The live class's answer choices are thumb-sized
# rows (pages/live_class.py puts them in a box keyed "live-answer"). On a phone a table (st.dataframe, st.data_editor)
# keeps room above it for its toolbar, which Streamlit draws 44 px above the table: in the 16 px gap it lay over the
# "Start from" dropdown's arrow and a chart's axis title (its add-row, search and download stay reachable).
BASE_CSS = """<style>
[data-testid="stMetricValue"], [data-testid="stMetricValue"] > div, [data-testid="stMetricLabel"] p {
  white-space: normal; overflow: visible; text-overflow: clip; overflow-wrap: anywhere; }
.katex-display { overflow: visible !important; }
@media (max-width: 640px) { .katex-display { font-size: 0.78em; } }
[class*="st-key-hidden-ctl-"] { display: none !important; }
:has(> [class*="st-key-hidden-ctl-"]):not(:has(> :not([class*="st-key-hidden-ctl-"]))) { display: none !important; }
[class*="st-key-locked-ctl-"], [class*="st-key-locked-ctl-"] * { opacity: 1 !important; }
[class*="st-key-locked-ctl-"] :is(p, label, span, input, div[data-baseweb="select"] div,
  [data-testid="stSliderThumbValue"], [data-testid="stSliderTickBarMin"], [data-testid="stSliderTickBarMax"]) {
  color: inherit !important; -webkit-text-fill-color: currentColor !important; }
[class*="st-key-locked-ctl-"]::after { content: "🔒 Set by your teacher"; display: block; font-size: 0.85rem;
  margin-top: 0.2rem; }
[data-testid="stMarkdownContainer"] table { display: block; max-width: 100%; overflow-x: auto; }
@media (max-width: 640px) { [data-testid="stMarkdownContainer"] table { font-size: 0.85em; } }
@media (max-width: 640px) { [data-testid="stElementContainer"]:has(> [data-testid="stFullScreenFrame"]
  > [data-testid="stDataFrame"]) { margin-top: 1.75rem; } }
.st-key-live-answer [role="radiogroup"] label { padding: 0.55rem 0.25rem; min-height: 44px; align-items: center; }
.st-key-live-answer [role="radiogroup"] label p { font-size: 1.15rem; }
</style>"""

# Presentation mode: static CSS (no user text), readable from the back of a room at 1280×720. The top padding
# clears Streamlit's header bar (60 px), which would otherwise cover half of the title. A long page name in the
# sidebar wraps instead of being cut ("Where the loss comes …"), and the sidebar opens 250 px wide (Streamlit's
# least) instead of 300, giving the chart the room; only at its default width: one the teacher dragged it to stays.
PRESENTATION_CSS = """<style>
html { font-size: 20px; }
[data-testid="stMainBlockContainer"] { padding: 88px 1.5rem 3rem; max-width: 100%; }
[data-testid="stMain"] h1 { padding-top: 0; font-size: 2.4rem; }
[data-testid="stMain"] h2 { font-size: 1.5rem; padding: 0.6rem 0 0.2rem; }
[data-testid="stMain"] h3 { font-size: 1.25rem; }
[data-testid="stCaptionContainer"] { display: none; }
[data-testid="stMetricValue"] { font-size: 1.7rem; }
[data-testid="stWidgetLabel"] p { font-size: 1.05rem; }
[data-testid="stSidebarNavLink"], [data-testid="stSidebarNavLink"] > span:last-child { height: auto; min-width: 0; }
[data-testid="stSidebarNavLink"] { min-height: 1.75rem; }
[data-testid="stSidebarNavLink"] :is(span, .stMarkdownEllipsis, p) { white-space: normal; text-overflow: clip;
  line-height: 1.25; }
[data-testid="stSidebar"][data-collapsed="false"][style*="width: 300px"] { width: 250px !important; }
</style>"""
