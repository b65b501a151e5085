"""Home: what binary cross-entropy is, in one slider."""
import streamlit as st

import ui
from lib import charts, claims, loss

page = ui.Page("Log Loss Lab", "Notice how the loss of a true 1 is 0 at p = 1, and explodes as p goes to 0.")

st.markdown(
    "**Binary cross-entropy** (log loss) scores a predicted probability p against the true label y: it is the "
    "surprise −log of the probability the model gave to what actually happened. Confident and right costs almost "
    "nothing; confident and wrong costs without bound."
)
st.latex(r"L(y, p) = -\bigl[\,y\log p + (1-y)\log(1-p)\,\bigr]")

left, right = st.columns([1, 2], vertical_alignment="center")
with left:
    p = page.slider("Your prediction p for a sample whose true label is y = 1", "p", 0.0, 1.0, 0.8, step=0.01)
    value = loss.bce(1.0, p)
    st.metric("Loss", f"{ui.fmt(value)} nats")
    st.latex(rf"L = -\log({claims.probability(p, 1.0 - p, tex=True)}) = {ui.tex_num(value)}")
    if value == float("inf"):
        st.info("p = 0 says the true outcome was impossible: −log 0 = ∞. A certain mistake has no finite price.")
with right:
    page.chart(charts.single_loss_figure(p, value), key="home_curve",
               alt=claims.home_curve_alt(p, value))

st.header("Explore", anchor=False)
ui.page_map()

page.done()
