"""Results for people: the HTML report (inline SVG charts), the backtest comparison, the gate's verdict."""
