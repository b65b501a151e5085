"""The app's static CSS (no user text in it): every page's, and presentation mode's for a projector."""

# Every page. Metrics wrap instead of being cut ("0.1…"); formulas are smaller on a phone. A hidden control leaves no
# slot, nor does a wrapper holding only hidden ones; a locked one keeps the theme's text colour (Streamlit fades
# disabled widgets below 4.5:1) and says "Set by your teacher" under it. Tabs cannot be disabled: hidden or locked,
# they lose their tab bar or its clicks (the lock said above them) and keep their content (Controls.tabs). The live
# class's answers are thumb-sized rows (its box is keyed "live-answer"). On a phone a table keeps room above it for
# the toolbar Streamlit draws 44 px above it (it lay over the control above).
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
[class*="st-key-hidden-tabs-"] [role="tablist"] { display: none !important; }
[class*="st-key-locked-tabs-"] [role="tablist"] { pointer-events: none; }
[class*="st-key-locked-tabs-"]::before { content: "🔒 Set by your teacher"; display: block; font-size: 0.85rem; }
[data-testid="stMarkdownContainer"] table { display: block; max-width: 100%; overflow-x: auto; }
@media (max-width: 640px) { [data-testid="stMarkdownContainer"] table { font-size: 0.85em; } }
@media (max-width: 640px) { [data-testid="stElementContainer"]:has(> [data-testid="stFullScreenFrame"]
  > [data-testid="stDataFrame"]) { margin-top: 1.75rem; } }
.st-key-live-answer [role="radiogroup"] label { padding: 0.55rem 0.25rem; min-height: 44px; align-items: center; }
.st-key-live-answer [role="radiogroup"] label p { font-size: 1.15rem; }
</style>"""

# Presentation mode, readable from the back of a room at 1280×720. The top padding clears Streamlit's 60 px header
# bar; a long page name in the sidebar wraps; the sidebar opens 250 px wide (Streamlit's least), unless dragged.
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

# The live class: its question is the page's h2, kept at a subheading's size outside presentation mode (a long one
# keeps the answers on a phone's first screen); on the dark theme's light orange, white type on a primary button is
# 2.8:1 and near-black 6.5:1.
LIVE_QUESTION_CSS = '<style>[data-testid="stMain"] h2 { font-size: 1.75rem; }</style>'
LIVE_DARK_BUTTONS_CSS = '<style>[data-testid="stBaseButton-primary"] :is(p, span) { color: #141414; }</style>'
