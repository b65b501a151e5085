"""The rooms a class meets the app in, and what a person in each would check, measured in the page itself.

``ROOMS`` are Playwright context options: light and dark at 1280×800, a phone at 390×844 with a mobile user agent,
the projector at 1280×720 in presentation mode; ``LIVE_ROOMS`` adds the phone and the projector in the dark theme,
where the Live class is used. :func:`measure` returns, for the page as it is painted: the
background, every chart's line and bar colours (traces drawn over the loss landscape's colour map are left out:
they are not on the background), and the boxes of titles, legends, metrics, formulas, animation controls and charts.
"""
MOBILE_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Chrome/130.0 Mobile Safari/537.36")
ROOMS = {
    "light": {"viewport": {"width": 1280, "height": 800}, "color_scheme": "light"},
    "dark": {"viewport": {"width": 1280, "height": 800}, "color_scheme": "dark"},
    "phone": {"viewport": {"width": 390, "height": 844}, "user_agent": MOBILE_UA, "is_mobile": True,
              "has_touch": True},
    "projector": {"viewport": {"width": 1280, "height": 720}},
}
ROOM_QUERY = {"projector": "present=true", "projector-dark": "present=true"}
# rooms only the Live class is checked in (its students' phones and its projector, in either theme)
LIVE_ROOMS = {
    "phone-dark": {**ROOMS["phone"], "color_scheme": "dark"},
    "projector-dark": {**ROOMS["projector"], "color_scheme": "dark"},
}
PAGES = ["", "loss_curves", "confident_mistakes", "gradient_descent", "derivation", "multiclass", "calibration"]

_MEASURE_JS = r"""
() => {
  const rgb = s => { const m = s.match(/[\d.]+/g); return m ? m.slice(0, 4).map(Number) : null; };
  const box = el => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const app = document.querySelector('[data-testid="stApp"]');
  const main = document.querySelector('[data-testid="stMain"]');
  const header = document.querySelector('[data-testid="stHeader"]');
  const out = {
    background: getComputedStyle(app).backgroundColor,
    viewport: [window.innerWidth, window.innerHeight],
    docScroll: [document.documentElement.scrollWidth, document.documentElement.clientWidth],
    mainScroll: main ? [main.scrollWidth, main.clientWidth] : null,
    header: header ? box(header) : null,
    title: box(document.querySelector('[data-testid="stMain"] h1')),
    metrics: [], formulas: [], charts: [],
    // a Markdown table (ui.table) must fit its column or scroll inside its own box, never run past the edge
    tables: [...document.querySelectorAll('[data-testid="stMarkdownContainer"] table')].filter(
      t => t.getBoundingClientRect().width > 0).map(t => ({
        text: t.innerText.slice(0, 40), right: t.getBoundingClientRect().right,
        limit: t.parentElement.getBoundingClientRect().right, scrolls: t.scrollWidth > t.clientWidth + 1,
        scrollable: ['auto', 'scroll'].includes(getComputedStyle(t).overflowX)})),
    // each chart's text alternative: the accessible name of the figure box Streamlit wraps it in
    alts: [...main.querySelectorAll('.js-plotly-plot')].map(
      p => (p.closest('[role="figure"][aria-label]') || {getAttribute: () => null}).getAttribute('aria-label')),
  };
  for (const el of document.querySelectorAll('[data-testid="stMetricValue"], [data-testid="stMetricValue"] > div,'
                                            + ' [data-testid="stMetricLabel"] p')) {
    out.metrics.push({text: el.innerText, scroll: el.scrollWidth, client: el.clientWidth});
  }
  for (const el of document.querySelectorAll('.katex-display')) {
    out.formulas.push({text: el.innerText.slice(0, 60), scroll: el.scrollWidth, client: el.clientWidth});
  }
  for (const plot of main.querySelectorAll('.js-plotly-plot')) {
    const c = {box: box(plot), lines: [], title: null, legend: null, buttons: null, slider: null, modebar: null};
    for (const sub of plot.querySelectorAll('g.subplot')) {
      if (sub.classList.contains('x2y2')) continue;  // drawn over the landscape's colour map
      for (const p of sub.querySelectorAll('.scatterlayer .trace path.js-line, .barlayer .point path')) {
        const st = getComputedStyle(p);
        const isBar = p.closest('.barlayer') !== null;
        let color = isBar ? st.fill : st.stroke;
        const ref = color && color.match(/url\("?#([^")]+)"?\)/);
        if (ref) {  // a patterned bar: its colour is the pattern's background rectangle
          const pat = document.getElementById(ref[1]);
          const rect = pat && pat.querySelector('rect');
          color = rect ? getComputedStyle(rect).fill : null;
        }
        if (!color || color === 'none') continue;
        const trace = p.closest('.trace');
        const opacity = Number(st.opacity) * Number(trace ? getComputedStyle(trace).opacity : 1)
                        * Number(isBar ? st.fillOpacity : st.strokeOpacity);
        const r = p.getBBox ? p.getBBox() : {width: 1, height: 1};
        if (r.width === 0 && r.height === 0) continue;
        c.lines.push({color, opacity});
      }
    }
    // every text of the chart with the colour it is painted in and what it sits on: a value label inside a bar
    // sits on the bar (a hatched bar's pattern background), a button's label on the button, the rest on the page
    c.texts = [];
    const bars = [...plot.querySelectorAll('.barlayer .point')].map(pt => {
      const path = pt.querySelector('path');
      let fill = path ? getComputedStyle(path).fill : null;
      const ref = fill && fill.match(/url\("?#([^")]+)"?\)/);
      if (ref) {
        const pat = document.getElementById(ref[1]);
        const rect = pat && pat.querySelector('rect');
        fill = rect ? getComputedStyle(rect).fill : null;
        // a pattern without a background rectangle shows what is under it: the page
        if (!rect || fill === 'none' || Number(getComputedStyle(rect).fillOpacity) === 0) fill = null;
      }
      return {box: path ? box(path) : null, fill};
    });
    const under = el => {
      const b = box(el), cx = (b[0] + b[2]) / 2, cy = (b[1] + b[3]) / 2;
      for (const bar of bars) {
        if (bar.box && bar.fill && cx > bar.box[0] && cx < bar.box[2] && cy > bar.box[1] && cy < bar.box[3]) {
          return bar.fill;
        }
      }
      const button = el.closest('.updatemenu-button');
      if (button) {
        const rect = button.querySelector('rect');
        if (rect) return getComputedStyle(rect).fill;
      }
      return null;
    };
    for (const el of plot.querySelectorAll('.main-svg text, .main-svg tspan')) {
      if (el.tagName === 'tspan' && el.parentElement.closest('text')) continue;  // its text element counts
      const st = getComputedStyle(el);
      if (!el.textContent.trim() || st.display === 'none' || st.visibility === 'hidden') continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      c.texts.push({text: el.textContent.slice(0, 40), color: st.fill, opacity: Number(st.opacity || 1)
                    * Number(st.fillOpacity || 1), on: under(el)});
    }
    // the animation slider's grip and rail, and the buttons' edges: marks (≥ 3:1 on the page)
    const controls = '.slider-grip-rect, .slider-rail-rect, .updatemenu-button rect';
    c.controls = [...plot.querySelectorAll(controls)].map(
      r => ({what: r.getAttribute('class') || 'button', fill: getComputedStyle(r).fill,
             stroke: getComputedStyle(r).stroke}));
    const t = plot.querySelector('.g-gtitle text');
    if (t && t.textContent) c.title = box(t);
    const lg = plot.querySelector('g.legend');
    if (lg) c.legend = box(lg);
    const um = plot.querySelector('g.updatemenu-container');
    if (um) c.buttons = box(um);
    const sl = plot.querySelector('g.slider-container');
    if (sl) c.slider = box(sl);
    const mb = plot.querySelector('.modebar-container .modebar');
    if (mb && getComputedStyle(mb).display !== 'none') c.modebar = box(mb);
    out.charts.push(c);
  }
  return out;
}
"""


def measure(page) -> dict:
    return page.evaluate(_MEASURE_JS)


def rgb(css: str) -> tuple[float, ...]:
    import re

    return tuple(float(v) for v in re.findall(r"[\d.]+", css)[:4])


def luminance(c) -> float:
    lin = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in (x / 255 for x in c[:3])]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(fg, bg, opacity: float = 1.0) -> float:
    """WCAG contrast of a colour drawn at ``opacity`` over the background (blended as the browser paints it)."""
    a = opacity * (fg[3] if len(fg) > 3 else 1.0)
    mixed = [a * f + (1 - a) * b for f, b in zip(fg[:3], bg[:3], strict=True)]
    la, lb = luminance(mixed), luminance(bg)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def overlap(a, b, slack: float = 1.0) -> bool:
    """Do two boxes [left, top, right, bottom] overlap by more than ``slack`` pixels both ways?"""
    if not a or not b:
        return False
    return min(a[2], b[2]) - max(a[0], b[0]) > slack and min(a[3], b[3]) - max(a[1], b[1]) > slack
