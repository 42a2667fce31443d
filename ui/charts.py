"""Pure figure and deck builders: frames in, Plotly figures / pydeck Decks out, no st.* calls.

Every figure has a title, units on its axes or legend, thousands separators, a
colour-blind-safe palette (Okabe-Ito for categories; ColorBrewer classes on maps) and its
source caption inside the figure, so a PNG pasted into a slide still says where the numbers
came from.

Every text from data (region, cluster, hub and program names, titles and captions the pages
compose from them) enters a figure through ui.safe.label, so a name carrying `<a href>` or
`<b>` markup is drawn as those characters, in the page and in SVG/PNG/PPTX exports. Builders
add their own markup (`<b>`, `<br>`) around escaped text; a title's line break is "\n".

Figures carry their own template (TEMPLATE): Streamlit makes its own template plotly's default
when it is imported, and that one has no automatic axis margins, so tick labels and axis
titles of a figure exported in the app's process were cut off or drawn over each other.

Maps draw every region of the area shown (regions without a figure in neutral greys, named in
the legend), colour them by classes (MapClass: a location quotient on a diverging scale
centred at 1, as the Cluster Mapping Project's maps do, growth centred at 0, other measures
in quantile classes), and fit their view to the picture they are drawn in: the lon/lat box
to show is kept in layout.meta, and fit_map recomputes centre and zoom for a size (an
export's, or the page's).
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pydeck as pdk

from ui.safe import label as esc


# Okabe & Ito (2008), distinguishable with every common colour-vision deficiency
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
             "#000000"]
FONT = "Source Sans Pro, Arial, sans-serif"
CAPTION_WIDTH = 80  # characters per caption line: fits a half-width chart on screen
# plotly's white template (axes with automatic margins, title standoff) in Hub Atlas type
TEMPLATE = go.layout.Template(pio.templates["plotly_white"])
TEMPLATE.layout.update(font={"family": FONT, "size": 14, "color": "#333333"},
                       colorway=OKABE_ITO, title={"font": {"color": "#222222"}})

MODEBAR_CONFIG = {
    "displaylogo": False,
    "toImageButtonOptions": {"format": "png", "scale": 3, "width": 1600, "height": 900,
                             "filename": "hub-atlas-chart"},
}


class Metric:
    """A measure a page can map or chart: its column, label and unit."""

    def __init__(self, column: str, label: str, unit: str, fmt: str):
        self.column, self.label, self.unit, self.fmt = column, label, unit, fmt

    @property
    def axis(self) -> str:
        return f"{self.label} ({self.unit})"

    def format(self, value: float) -> str:
        if value is None or pd.isna(value):
            return "suppressed"
        return format(value, self.fmt) + (" %" if self.unit == "%" else "")


METRICS = {
    "employment": Metric("employment", "Employment", "jobs", ",.0f"),
    "lq": Metric("lq_employment", "Location quotient", "ratio to base", ",.2f"),
    "establishments": Metric("establishments", "Establishments", "count", ",.0f"),
    "wages": Metric("avg_annual_pay", "Average annual pay", "US$", ",.0f"),
    "growth": Metric("employment_cagr_pct", "Employment growth", "% a year", ",.1f"),
}


# a quarter's own measures: employment is month 3's level; pay is the average weekly wage
QUARTER_METRICS = {
    "employment": Metric("employment", "Employment (month 3)", "jobs", ",.0f"),
    "wages": Metric("avg_weekly_wage", "Average weekly wage", "US$ a week", ",.0f"),
}


def period_metric(key: str, quarter: int | None) -> Metric:
    """The Metric of a METRICS key for a year, or for a quarter (QUARTER_METRICS)."""
    return QUARTER_METRICS.get(key, METRICS[key]) if quarter else METRICS[key]


def metric_of(metric: str | Metric) -> Metric:
    """A Metric from its METRICS key, or the Metric itself (measures pages define for their own
    tables, e.g. award dollars, without offering them in the Explore page's list)."""
    return metric if isinstance(metric, Metric) else METRICS[metric]


def caption_text(source: str, vintage: object, base: str = "US", extra: str = "") -> str:
    """'Source: BLS QCEW 2023, private ownership; LQ vs US' (the in-figure caption)."""
    text = f"Source: {source} {vintage}, private ownership; LQ vs {base}"
    return f"{text}; {extra}" if extra else text


def _finish(fig: go.Figure, title: str, caption: str, *, height: int = 560,
            bottom: int = 70, right: int = 10) -> go.Figure:
    """Title (plain text, escaped here; "\n" breaks it), the source caption (plain text,
    escaped and wrapped here), fonts, margins, and a map's view."""
    fig.update_layout(
        template=TEMPLATE,
        title={"text": "<br>".join(esc(part) for part in str(title).split("\n")), "x": 0.01,
               "xanchor": "left", "font": {"size": 20}},
        font={"family": FONT, "size": 14}, separators=".,", height=height,
        margin={"l": 20, "r": max(right, 20), "t": 60, "b": bottom}, colorway=OKABE_ITO,
        paper_bgcolor="white", plot_bgcolor="white",
        hoverlabel={"font": {"family": FONT}},
    )
    lines = textwrap.wrap(caption, CAPTION_WIDTH) or [""]
    fig.update_layout(margin={"b": bottom + 16 * (len(lines) - 1)})
    fig.add_annotation(text="<br>".join(esc(lines)), xref="paper", yref="paper", x=0, y=0,
                       xanchor="left", yanchor="top", yshift=-bottom + 22, showarrow=False,
                       align="left", font={"size": 12, "color": "#444"})
    if MAP_BOX in (fig.layout.meta or {}):
        fit_map(fig)
    return fig


def _hover(frame: pd.DataFrame, metric: Metric) -> list[str]:
    lines = []
    for _, row in frame.iterrows():
        name = row.get("region_name")
        parts = [f"<b>{esc(str(row.get('region_code') if pd.isna(name) else name))}</b>",
                 f"{metric.label}: {metric.format(row.get(metric.column))}"]
        for column, m in (("employment", METRICS["employment"]), ("lq_employment", METRICS["lq"]),
                          ("establishments", METRICS["establishments"])):
            if column != metric.column and column in row:
                parts.append(f"{m.label}: {m.format(row[column])}")
        if not pd.isna(row.get("disclosed", True)) and not bool(row.get("disclosed", True)):
            parts.append("Some values suppressed by the source")
        lines.append("<br>".join(parts))
    return lines


# --- map classes --------------------------------------------------------------------------

NO_DATA_COLOUR = "#E4E4E4"   # a region of the area without a row: light neutral grey
WITHHELD_COLOUR = "#8F8F8F"  # a row whose value the source withheld: darker neutral grey
NO_DATA = "No data (no row published)"
WITHHELD = "Withheld by the source"
# ColorBrewer RdYlBu (colour-blind safe): low = blue, high = red, pale yellow in the middle;
# the top class is the darkest colour, so the most concentrated regions stand out most
DIVERGING = ["#4575B4", "#91BFDB", "#E0F3F8", "#FFFFBF", "#FDAE61", "#F46D43", "#A50026"]
LEGEND_ONLY = "(legend)"  # a location no shape has: a class without regions keeps its entry
# ColorBrewer YlGnBu, light to dark (colour-blind safe)
CLASSES_SEQUENTIAL = ["#FFFFCC", "#A1DAB4", "#41B6C4", "#2C7FB8", "#253494"]
LQ_BREAKS = [0.25, 0.5, 0.8, 1.25, 2.0, 4.0]  # symmetric around 1 on a log scale
GROWTH_BREAKS = [-10.0, -5.0, -1.0, 1.0, 5.0, 10.0]  # % a year, symmetric around 0


@dataclass(frozen=True)
class MapClass:
    """One legend entry of a map: values in [low, high), its label and colour."""
    low: float
    high: float
    label: str
    colour: str

    def holds(self, values: pd.Series) -> pd.Series:
        return (values >= self.low) & (values < self.high)


def _nice(value: float) -> float:
    """A class break rounded to two significant digits (1,234 -> 1,200)."""
    if value == 0 or not np.isfinite(value):
        return float(value)
    digits = 1 - int(math.floor(math.log10(abs(value))))
    return float(round(value, digits))


def _range_label(low: float, high: float, fmt) -> str:
    """'under 0.25', '0.25 to 0.5', '4 or more' (fmt: how a break is written)."""
    if low == -math.inf:
        return f"under {fmt(high)}"
    if high == math.inf:
        return f"{fmt(low)} or more"
    return f"{fmt(low)} to {fmt(high)}"


def _fixed_classes(breaks: list[float], metric: Metric, middle: str) -> list[MapClass]:
    edges = [-math.inf, *breaks, math.inf]
    fmt = (lambda v: format(v, ",.2f").rstrip("0").rstrip(".")) if metric.unit == "ratio to base" \
        else (lambda v: format(v, ",.0f") + " %")
    return [MapClass(low, high, _range_label(low, high, fmt)
                     + (f" ({middle})" if i == len(breaks) // 2 else ""), DIVERGING[i])
            for i, (low, high) in enumerate(zip(edges, edges[1:]))]


def map_classes(values: pd.Series, metric: Metric) -> list[MapClass]:
    """The legend classes of a map of `metric`: location quotients on fixed breaks centred at
    1 (about the base area), growth centred at 0 (no change), any other measure in up to five
    quantile classes of the values shown, with rounded breaks (the darker colours when there
    are fewer classes, so they stand out on the white map)."""
    if metric.unit == "ratio to base":
        return _fixed_classes(LQ_BREAKS, metric, "about the base area")
    if metric.unit == "% a year":
        return _fixed_classes(GROWTH_BREAKS, metric, "about no change")
    known = pd.to_numeric(values, errors="coerce").dropna()
    if known.empty:
        return []
    if known.nunique() == 1:
        return [MapClass(-math.inf, math.inf, metric.format(known.iloc[0]),
                         CLASSES_SEQUENTIAL[2])]
    shown = (lambda v: float(round(v))) if metric.fmt.endswith(".0f") else float  # as labelled
    inner = sorted(b for b in {shown(_nice(q)) for q in known.quantile([0.2, 0.4, 0.6, 0.8])}
                   if b > known.min())
    edges = [-math.inf, *inner, math.inf]
    colours = CLASSES_SEQUENTIAL[-(len(edges) - 1):]
    return [MapClass(low, high, _range_label(low, high, metric.format), colour)
            for (low, high), colour in zip(zip(edges, edges[1:]), colours)]


def legend_title(metric: Metric) -> str:
    """The map legend's title: the measure and its unit, as the page's title names it."""
    unit = "vs the base area" if metric.unit == "ratio to base" else metric.unit
    return f"{metric.label} ({unit})"


def _map_legend(fig: go.Figure, title: str) -> None:
    fig.update_layout(legend={"title": {"text": f"<b>{title}</b>"}, "orientation": "v",
                              "x": 1.0, "xanchor": "left", "y": 1.0, "yanchor": "top",
                              "itemsizing": "constant", "font": {"size": 13}})


MAP_LEGEND_WIDTH = 250  # px to the right of a map for its legend


# --- map views ----------------------------------------------------------------------------

MAP_BOX = "map_box"  # layout.meta key: the lon/lat box (west, south, east, north) a map shows
LOWER_48 = (-125.6, 24.0, -66.2, 49.8)  # with a little room for circles on the coasts
NATIONAL_SPAN = 35  # degrees of longitude: data spread wider than this is shown as the nation
SCREEN_WIDTH = 1100  # px: a full-width chart in the app's wide layout
ZOOM_RANGE = (1.5, 9.0)


def _mercator(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def view_for(box: tuple[float, float, float, float], width: float, height: float) -> dict:
    """Centre and zoom that show the lon/lat box whole in a map of width x height pixels
    (Web Mercator: the world is 512 * 2**zoom pixels wide)."""
    west, south, east, north = box
    lon_span = max(east - west, 1e-6)
    y_span = max(_mercator(north) - _mercator(south), 1e-6)
    zoom = min(math.log2(max(width, 50) * 360 / (512 * lon_span)),
               math.log2(max(height, 50) * 2 * math.pi / (512 * y_span)))
    middle = math.degrees(math.atan(math.sinh((_mercator(north) + _mercator(south)) / 2)))
    return {"center": {"lon": (west + east) / 2, "lat": middle},
            "zoom": float(np.clip(zoom, *ZOOM_RANGE))}


def map_box(box: tuple[float, float, float, float] | None, margin: float = 1.15
            ) -> tuple[float, float, float, float]:
    """The box a map shows for data in `box`: the data with a margin around it (at least
    about a state, so a few counties keep their surroundings), or the lower 48 when the data
    is national (wider than NATIONAL_SPAN) or there is none."""
    if box is None or box[2] - box[0] > NATIONAL_SPAN:
        return LOWER_48
    west, south, east, north = box
    lon_half = max(east - west, 3.0) * margin / 2
    lat_half = max(north - south, 2.0) * margin / 2
    lon, lat = (west + east) / 2, (south + north) / 2
    return lon - lon_half, lat - lat_half, lon + lon_half, lat + lat_half


def fit_map(fig: go.Figure, width: float | None = None, height: float | None = None
            ) -> go.Figure:
    """Set a map figure's centre and zoom so that its box (layout.meta) fits the plot area
    of a width x height picture (default: the page's full width and the figure's height),
    margins and legend left out."""
    box = (fig.layout.meta or {}).get(MAP_BOX)
    if not box:
        return fig
    margin = fig.layout.margin
    width = (width or SCREEN_WIDTH) - (margin.l or 0) - (margin.r or 0)
    height = (height or fig.layout.height or 560) - (margin.t or 0) - (margin.b or 0)
    return fig.update_layout(map=view_for(tuple(box), width, height))


def show_whole_us(fig: go.Figure) -> go.Figure:
    """A copy of a map figure showing the lower 48 (a page's 'Whole US' switch); the figure
    given is not changed (pages' maps are shared by every session: ui.data.shared_figure)."""
    whole = go.Figure(fig)
    whole.update_layout(meta={**(whole.layout.meta or {}), MAP_BOX: list(LOWER_48)})
    return fit_map(whole)


def _point_bounds(lon: pd.Series, lat: pd.Series) -> tuple[float, float, float, float] | None:
    lon, lat = pd.to_numeric(lon, errors="coerce"), pd.to_numeric(lat, errors="coerce")
    if lon.notna().sum() == 0:
        return None
    return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


def _shape_bounds(geojson: dict, ids: set[str]) -> tuple[float, float, float, float] | None:
    """The lon/lat box around the features with these ids (None when there are none)."""
    from shapely.geometry import shape

    boxes = [shape(f["geometry"]).bounds for f in geojson["features"] if str(f["id"]) in ids]
    if not boxes:
        return None
    box = np.array(boxes)
    return box[:, 0].min(), box[:, 1].min(), box[:, 2].max(), box[:, 3].max()


def _map_layout(fig: go.Figure, box: tuple[float, float, float, float],
                outlines: dict | None) -> None:
    """A MapLibre map with a blank style: it needs no tiles, fonts or CDN files, so it draws
    offline and in kaleido; state outlines (GeoJSON) drawn over the regions give the reader
    their bearings. The box is kept in layout.meta for fit_map."""
    layers = ([{"source": outlines, "type": "line", "color": "#555555", "line": {"width": 1.0}}]
              if outlines else [])
    fig.update_layout(map={"style": "white-bg", "layers": layers},
                      meta={MAP_BOX: [float(v) for v in box]})


def build_choropleth_figure(table: pd.DataFrame, metric_key: str, geo: str, *, title: str,
                            caption: str, geojson: dict, outlines: dict | None = None,
                            area: set[str] | None = None, names: dict[str, str] | None = None
                            ) -> go.Figure:
    """Regions coloured by classes of the metric (map_classes; geojson: their shapes, ids =
    region codes). Every region of `area` is drawn (default: the table's regions): those
    without a row in a light neutral grey ("no data"), rows whose value the source withheld
    in a darker one, each named in the legend; `names` name the regions without a row in
    their hover text. The view fits the area (map_box: national data shows the lower 48)."""
    metric = metric_of(metric_key)
    frame = table.assign(region_code=table["region_code"].astype(str))
    values = pd.to_numeric(frame[metric.column], errors="coerce")
    wanted = set(frame["region_code"]) | set(area or ())
    # each trace ships only the shapes it draws (a national county file is ~2 MB, and every
    # class is a trace), without their properties: the hover text names each region
    # (escaped), the browser needs no raw names
    by_id = {str(f["id"]): {"type": "Feature", "id": f["id"], "geometry": f["geometry"]}
             for f in geojson["features"] if str(f["id"]) in wanted}
    drawn = set(by_id)
    fig = go.Figure()

    def add(codes: pd.Series, text: list[str], name: str, colour: str) -> None:
        features = [by_id[c] for c in dict.fromkeys(codes) if c in by_id]
        shapes = {"type": "FeatureCollection", "features": features or list(by_id.values())[:1]}
        fig.add_trace(go.Choroplethmap(locations=codes, z=np.zeros(len(codes)), text=text,
                                       colorscale=[[0, colour], [1, colour]], name=name,
                                       showlegend=True, geojson=shapes, featureidkey="id",
                                       marker_line_color="white", marker_line_width=0.6,
                                       hoverinfo="text", showscale=False))

    for group in map_classes(values, metric):
        inside = group.holds(values)
        if inside.any():
            add(frame.loc[inside, "region_code"], _hover(frame[inside], metric), group.label,
                group.colour)
        else:  # the whole scale stays in the legend
            add(pd.Series([LEGEND_ONLY]), [""], group.label, group.colour)
    withheld = values.isna()
    if withheld.any():
        add(frame.loc[withheld, "region_code"], _hover(frame[withheld], metric), WITHHELD,
            WITHHELD_COLOUR)
    empty = sorted(drawn - set(frame["region_code"]))
    if empty:
        known = names or {}
        add(pd.Series(empty), [f"<b>{esc(known.get(c, c))}</b><br>No row in the data for this "
                               "industry (not published)" for c in empty], NO_DATA, NO_DATA_COLOUR)
    _map_layout(fig, map_box(_shape_bounds({"features": list(by_id.values())}, drawn)), outlines)
    _map_legend(fig, legend_title(metric))
    return _finish(fig, title, caption, right=MAP_LEGEND_WIDTH)


def build_bubble_map_figure(table: pd.DataFrame, metric_key: str, points: pd.DataFrame, *,
                            title: str, caption: str, outlines: dict | None = None,
                            size_column: str = "employment") -> go.Figure:
    """Regions as circles at their centroids (points: region_code, lat, lon): colour = classes
    of the metric (the legend, named like the page's title), area = jobs (size_column); a
    withheld value is grey. The view fits the circles (map_box)."""
    metric = metric_of(metric_key)
    frame = table.merge(points, on="region_code", how="inner")
    values = pd.to_numeric(frame[metric.column], errors="coerce")
    size = np.sqrt(pd.to_numeric(frame[size_column], errors="coerce").clip(lower=0).fillna(0))
    sizeref = 2.0 * float((size ** 2).max() or 1) / 40 ** 2  # largest circle 40 px across
    marker = {"sizemode": "area", "sizeref": sizeref, "sizemin": 4, "opacity": 0.95}
    # a dark rim under every circle, so pale classes stay visible on the white map
    fig = go.Figure(go.Scattermap(
        lat=frame["lat"], lon=frame["lon"], hoverinfo="skip", showlegend=False,
        marker={**marker, "size": (size ** 2 * 1.35).tolist(), "sizemin": 6,
                "color": "#555555"}))
    groups = [(g.holds(values), g.label, g.colour) for g in map_classes(values, metric)]
    for inside, label, colour in [*groups, (values.isna(), WITHHELD, WITHHELD_COLOUR)]:
        part = frame[inside]
        if part.empty and label == WITHHELD:
            continue
        fig.add_trace(go.Scattermap(  # an empty class keeps its legend entry (no point drawn)
            lat=part["lat"] if len(part) else [None], lon=part["lon"] if len(part) else [None],
            text=_hover(part, metric) if len(part) else None, hoverinfo="text", name=label,
            marker={**marker, "size": (size[inside] ** 2).tolist() if len(part) else [12],
                    "color": colour}))
    # circles up to 40 px across sit on the edge points: a wider margin keeps them whole
    _map_layout(fig, map_box(_point_bounds(frame["lon"], frame["lat"]), margin=1.6), outlines)
    _map_legend(fig, f"{legend_title(metric)}<br>circle area = jobs")
    return _finish(fig, title, caption, right=MAP_LEGEND_WIDTH)


def build_ranking_figure(table: pd.DataFrame, metric_key: str, *, title: str, caption: str,
                         top: int = 15) -> go.Figure:
    """The top regions by the metric as horizontal bars (largest at the top)."""
    metric = metric_of(metric_key)
    frame = table.assign(_v=pd.to_numeric(table[metric.column], errors="coerce"))
    frame = frame.dropna(subset=["_v"]).nlargest(top, "_v").iloc[::-1]
    fig = go.Figure(go.Bar(x=frame["_v"], y=esc(frame["region_name"].fillna(frame["region_code"])),
                           orientation="h", marker_color=OKABE_ITO[0],
                           hovertemplate="%{y}: %{x:" + metric.fmt + "}<extra></extra>"))
    fig.update_xaxes(title_text=metric.axis, tickformat=metric.fmt.replace(".2f", ".1f"),
                     gridcolor="#E5E5E5")
    fig.update_yaxes(title_text=None, automargin=True)
    return _finish(fig, title, caption, height=max(360, 28 * len(frame) + 140))


LABELLED_YEARS = 3  # a trend of this many years or fewer, and at most as many lines as there
# are label positions, has each point's value written on it (more would print over each other)
# value labels of successive lines go right, left and above their points, so equal or close
# values of two lines do not print over each other (never below: the year ticks are there)
LABEL_POSITIONS = ["middle right", "middle left", "top center"]


def build_trend_figure(frame: pd.DataFrame, metric_key: str, *, title: str, caption: str,
                       label: str = "region_name", reference: pd.DataFrame | None = None,
                       indexed: bool = False) -> go.Figure:
    """One line per region over years; an optional reference line (the nation) dashed.
    indexed: each line divided by its first year's value x 100.

    The year axis spans only the years that have a value (a tick at each), every point has a
    marker, and with few years each point carries its value, so one or two years of data read
    as figures rather than as a dot at the edge of an empty axis (the base area's line is
    left unlabelled: the legend names it). Pages say why other years are missing
    (missing_years_text)."""
    metric = metric_of(metric_key)

    def prepared(part: pd.DataFrame) -> pd.Series:
        values = pd.to_numeric(part[metric.column], errors="coerce")
        if indexed and len(values.dropna()):
            values = values / values.dropna().iloc[0] * 100
        return values

    fmt = ",.1f" if indexed else metric.fmt
    order = ["year", "quarter"] if "quarter" in frame.columns else ["year"]
    parts = [(esc(str(name)), part, prepared(part), False) for name, part in
             frame.sort_values(order).groupby(label, sort=False)]
    if reference is not None and not reference.empty:
        part = reference.sort_values(order)
        parts.append((esc(str(part[label].iloc[0])), part, prepared(part), True))
    years = sorted({x for _, part, values, _ in parts for x in _x(part)[values.notna()]})
    names = {x: n for _, part, _, _ in parts for x, n in zip(_x(part), _x_names(part))}
    lines = sum(not is_reference for *_, is_reference in parts)
    labelled = 0 < len(years) <= LABELLED_YEARS and lines <= len(LABEL_POSITIONS)
    fig = go.Figure()
    for i, (name, part, values, is_reference) in enumerate(parts):
        colour = "#555555" if is_reference else OKABE_ITO[i % len(OKABE_ITO)]
        fig.add_trace(go.Scatter(
            x=_x(part), y=values, name=name, hovertext=_x_names(part),
            mode="lines+markers+text" if labelled else "lines+markers",
            line={"color": colour, "width": 2 if is_reference else 3,
                  "dash": "dash" if is_reference else "solid"},
            marker={"size": 7 if is_reference else 10, "color": colour},
            text=[format(v, fmt) if pd.notna(v) else "" for v in values]
            if labelled and not is_reference else None,
            textposition=LABEL_POSITIONS[i % len(LABEL_POSITIONS)],
            textfont={"size": 13, "color": colour},
            cliponaxis=False,
            hovertemplate=f"{name} %{{hovertext}}: %{{y:{fmt}}}<extra></extra>"))
    quarterly = "period" in frame.columns
    axis = {"title_text": "Quarter" if quarterly else "Year", "tickformat": "d",
            "gridcolor": "#E5E5E5"}
    if years:
        step = 0.25 if quarterly else 1
        axis.update(tickmode="array", tickvals=years, ticktext=[names[x] for x in years],
                    range=[years[0] - step / 2, years[-1] + step / 2])
    fig.update_xaxes(**axis)
    fig.update_yaxes(title_text=f"{metric.label} (index, first year = 100)" if indexed
                     else metric.axis, tickformat=fmt.replace(".2f", ".1f"),
                     gridcolor="#E5E5E5", rangemode="tozero" if not indexed else "normal")
    fig.update_layout(legend={"orientation": "h", "y": -0.18, "x": 0})
    return _finish(fig, title, caption, bottom=110)


def _x(part: pd.DataFrame) -> pd.Series:
    """A trend point's place on the axis: its year, or year + (quarter - 1) / 4 by quarter."""
    years = part["year"].astype(float)
    if "period" not in part.columns:
        return years.astype(int)
    return years + (part["quarter"].astype(float) - 1) / 4


def _x_names(part: pd.DataFrame) -> list[str]:
    """How each point's period reads: '2025' or '2025 Q4'."""
    if "period" not in part.columns:
        return [str(int(y)) for y in part["year"]]
    return [str(p) for p in part["period"]]


def _spans(years: list[int]) -> str:
    """[2018, 2019, 2020, 2022] -> '2018-2020, 2022'."""
    out, run = [], []
    for year in sorted(years):
        if run and year != run[-1] + 1:
            out.append(run)
            run = []
        run.append(year)
    if run:
        out.append(run)
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in out)


def missing_years_text(wanted: list[int], frame: pd.DataFrame, column: str,
                       not_loaded: set[int] = frozenset(), label: str = "region_name"
                       ) -> tuple[list[str], list[str]]:
    """Why a trend has no point where one might be expected, in two lists of sentences:
    years with no figure at all (not imported: no data file covers them; suppressed or
    withheld by the source: rows with a blank value; or no row for these regions), and lines
    without a figure in a year that other lines have (blank, or no row)."""
    if frame.empty:
        return ([f"No figures for {_spans(wanted)}: no rows for these regions in the data."]
                if wanted else []), []
    values = pd.to_numeric(frame[column], errors="coerce")
    years = frame["year"].astype(int)
    known, present = set(years[values.notna()]), set(years)
    gaps = [y for y in wanted if y not in known]
    reasons = {"not imported": [y for y in gaps if y in not_loaded],
               "suppressed or withheld by the source (blank, not zero)":
                   [y for y in gaps if y not in not_loaded and y in present],
               "no rows for these regions in the data":
                   [y for y in gaps if y not in not_loaded and y not in present]}
    whole = [f"No figures for {_spans(ys)}: {reason}." for reason, ys in reasons.items() if ys]
    lines = []
    for name, part in frame.assign(_v=values, _y=years).groupby(label, sort=False):
        blank = sorted(set(part.loc[part["_v"].isna(), "_y"]) & known)
        absent = sorted(known - set(part["_y"]))
        if blank:
            lines.append(f"{name}: {_spans(blank)} suppressed or withheld (blank, not zero).")
        if absent:
            lines.append(f"{name}: no row in the data for {_spans(absent)}.")
    return whole, lines


# One colour per program on every map and legend (Okabe-Ito; yellow and black left out: yellow
# vanishes on the light map, black is the selection ring). Names as in hubdata.registry.PROGRAMS.
PROGRAM_COLOURS = {
    "EDA Tech Hubs designation 2023": "#56B4E9",          # sky blue
    "EDA Tech Hubs implementation 2024": "#0072B2",       # blue
    "EDA Build Back Better Regional Challenge 2022": "#009E73",  # bluish green
    "NSF Regional Innovation Engines 2024": "#E69F00",    # orange
    "SBA Regional Innovation Clusters": "#CC79A7",        # reddish purple
    "Classic industry hub": "#D55E00",                    # vermilion
}


def program_colours(programs: list[str]) -> dict[str, str]:
    """The colour of each program (PROGRAM_COLOURS), in PROGRAM_COLOURS' order so every legend
    lists them alike; a program not listed there takes an Okabe-Ito colour by its position."""
    order = {p: i for i, p in enumerate(PROGRAM_COLOURS)}
    ranked = sorted(dict.fromkeys(programs), key=lambda p: order.get(p, len(order)))
    return {p: PROGRAM_COLOURS.get(p, OKABE_ITO[i % len(OKABE_ITO)])
            for i, p in enumerate(ranked)}


def legend_html(colours: dict[str, str]) -> str:
    """A one-line HTML legend (coloured dot, name) for maps drawn without one (pydeck)."""
    return " &nbsp; ".join(f"<span style='color:{c}'>●</span> {esc(p)}"
                           for p, c in colours.items())


def _rgb(hex_colour: str) -> list[int]:
    return [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]


def hub_marker_sizes(values: pd.Series, *, smallest: float = 6, largest: float = 28) -> pd.Series:
    """Marker radii in pixels, area proportional to values; missing values get the smallest."""
    v = pd.to_numeric(values, errors="coerce").clip(lower=0)
    top = float(v.max()) if v.notna().any() and v.max() > 0 else 1.0
    return (smallest + (largest - smallest) * np.sqrt(v / top)).fillna(smallest)


TOOLTIP_FIELDS = ("hub_name", "program", "focus", "tip")  # the hub map's tooltip shows them


def build_hub_deck(hubs: pd.DataFrame, colours: dict[str, str], *, selected: str | None = None,
                   outlines: dict | None = None) -> pdk.Deck:
    """Hubs as circles (hubs: key, hub_name, program, focus, lat, lon, radius in pixels, tip);
    the selected hub gets a black ring. outlines: state GeoJSON drawn underneath, so the map
    reads without basemap tiles (offline). Only the columns the map and its tooltip use are
    sent: the deck travels to the browser as indented JSON on every run."""
    shown = hubs[["key", "hub_name", "program", "focus", "lat", "lon", "radius", "tip"]]
    frame = shown.assign(**{c: esc(shown[c].astype(str)) for c in TOOLTIP_FIELDS},  # HTML
        fill=[_rgb(colours.get(p, "#777777")) + [190] for p in hubs["program"]],
        line=[[0, 0, 0, 255] if k == selected else [255, 255, 255, 255] for k in hubs["key"]],
        line_width=[3 if k == selected else 1 for k in hubs["key"]],
    )
    # pydeck turns plain strings into expressions: quote literal values ("'pixels'")
    layers = []
    if outlines is not None:
        layers.append(pdk.Layer(
            "GeoJsonLayer", data=outlines, id="states", stroked=True, filled=True,
            get_fill_color=[242, 242, 242, 255], get_line_color=[170, 170, 170, 255],
            line_width_units="'pixels'", get_line_width=1, pickable=False))
    layers.append(pdk.Layer(
        "ScatterplotLayer", data=frame, id="hubs", get_position=["lon", "lat"],
        get_radius="radius", radius_units="'pixels'", get_fill_color="fill",
        get_line_color="line", get_line_width="line_width", line_width_units="'pixels'",
        stroked=True, pickable=True, auto_highlight=True))
    tooltip = {"html": "<b>{hub_name}</b><br/>{program}<br/>{focus}<br/>{tip}",  # TOOLTIP_FIELDS
               "style": {"fontSize": "13px"}}
    view = pdk.ViewState(latitude=38.2, longitude=-96.0, zoom=3.4)
    return pdk.Deck(layers=layers, initial_view_state=view, tooltip=tooltip, map_style="light")


def build_hub_map_figure(hubs: pd.DataFrame, colours: dict[str, str], *, title: str,
                         caption: str, outlines: dict | None = None) -> go.Figure:
    """The hub map as a Plotly figure, for a static image of the map view."""
    fig = go.Figure()
    for program, part in hubs.groupby("program", sort=False):
        fig.add_trace(go.Scattermap(
            lat=part["lat"], lon=part["lon"], name=esc(str(program)), text=esc(part["hub_name"]),
            hovertemplate="%{text}<extra>" + esc(str(program)) + "</extra>",
            marker={"size": part["radius"] * 1.6, "color": colours.get(program, "#777777"),
                    "opacity": 0.8}))
    _map_layout(fig, LOWER_48, outlines)
    fig.update_layout(legend={"orientation": "h", "y": -0.02, "x": 0})
    return _finish(fig, title, caption, height=620, bottom=120)

# --- Trends, Compare regions, Emerging hubs, Federal programs --------------------------------

AWARDS = Metric("amount_usd", "Federal award obligations", "US$", ",.0f")
SCORE = Metric("emerging_score", "Emerging-hub score", "0-100", ",.1f")
SHIFT_PARTS = {"shift_national": ("National growth", OKABE_ITO[0]),
               "shift_industry_mix": ("Industry mix", OKABE_ITO[1]),
               "shift_competitive": ("Competitive (local)", OKABE_ITO[2])}
QUADRANT_NOTES = {"Star": "LQ ≥ 1 and rising", "Mature": "LQ ≥ 1, not rising",
                  "Emerging": "LQ < 1 and rising", "Transforming": "LQ < 1, not rising"}


def build_trends_figure(frame: pd.DataFrame, metric_key: str | Metric, *,
                        marks: tuple[tuple[int, str], ...] = (), **options) -> go.Figure:
    """The Trends page's chart: build_trend_figure with the legend beside the plot and a
    marker at each (year, label) in `marks` where a series changes definition."""
    return add_year_markers(legend_beside(build_trend_figure(frame, metric_key, **options)),
                            dict(marks))


def add_year_markers(fig: go.Figure, marks: dict[int, str]) -> go.Figure:
    """A dotted vertical line with a label at each year where a series changes definition
    (a NAICS revision, Connecticut's planning regions)."""
    for year, label in marks.items():
        fig.add_vline(x=year - 0.5, line={"color": "#777777", "width": 1.5, "dash": "dot"},
                      annotation={"text": esc(label), "font": {"size": 12, "color": "#555"},
                                  "textangle": -90, "xanchor": "right", "yanchor": "top"},
                      annotation_position="top left")
    return fig


def build_shift_share_figure(frame: pd.DataFrame, *, label: str, stacked: bool, title: str,
                             caption: str, axis: str, base_name: str = "National"
                             ) -> go.Figure:
    """Shift-share per region: base-area growth (national by default), industry mix and
    competitive effect as bars (stacked: they add up to the actual change; grouped: side by
    side), the actual change as a black diamond."""
    fig = go.Figure()
    regions = esc(frame[label].astype(str))
    for column, (name, colour) in SHIFT_PARTS.items():
        name = esc(f"{base_name} growth") if column == "shift_national" else name
        fig.add_trace(go.Bar(x=regions, y=frame[column], name=name, marker_color=colour,
                             hovertemplate="%{x}<br>" + name + ": %{y:+,.0f} jobs<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=regions, y=frame["employment_change"], name="Actual change", mode="markers",
        marker={"symbol": "diamond", "size": 15, "color": "#000000",
                "line": {"color": "white", "width": 1.5}},
        hovertemplate="%{x}<br>Actual change: %{y:+,.0f} jobs<extra></extra>"))
    fig.update_layout(barmode="relative" if stacked else "group",
                      legend={"orientation": "h", "y": -0.2, "x": 0})
    fig.update_yaxes(title_text=esc(axis), tickformat=",.0f", gridcolor="#E5E5E5",
                     zeroline=True, zerolinecolor="#555555", zerolinewidth=1.5)
    fig.update_xaxes(title_text=None, automargin=True)
    return _finish(fig, title, caption, bottom=120)


def build_quadrant_figure(frame: pd.DataFrame, *, label: str, title: str, caption: str,
                          x_axis: str, y_axis: str) -> go.Figure:
    """The specialization bubble chart: x = change in LQ, y = LQ at the end year, area =
    employment; lines at LQ = 1 and change = 0, the four quadrants named in their corners."""
    x = pd.to_numeric(frame["lq_employment_change"], errors="coerce")
    y = pd.to_numeric(frame["lq_employment"], errors="coerce")
    size = pd.to_numeric(frame["employment"], errors="coerce").clip(lower=0).fillna(0)
    known = x.notna() & y.notna()
    x, y, size, shown = x[known], y[known], size[known], frame[known]
    sizeref = 2.0 * float(size.max() or 1) / 60 ** 2
    colours = [OKABE_ITO[i % len(OKABE_ITO)] for i in range(len(shown))]
    fig = go.Figure(go.Scatter(
        x=x, y=y, mode="markers",
        marker={"size": size, "sizemode": "area", "sizeref": sizeref, "sizemin": 8,
                "color": colours, "opacity": 0.8, "line": {"width": 1, "color": "#333"}},
        customdata=np.stack([size, shown["quadrant"].astype(str), esc(shown[label].astype(str))],
                            axis=-1) if len(shown) else None,
        hovertemplate="<b>%{customdata[2]}</b><br>LQ %{y:.2f}, change %{x:+.2f}<br>"
                      "Employment %{customdata[0]:,.0f}<br>%{customdata[1]}<extra></extra>",
        showlegend=False))
    reach = max(float(x.abs().max()) * 1.3 if len(x) else 0.0, 0.1)
    top = max(float(y.max()) * 1.2 if len(y) else 0.0, 1.5)
    width, height = LABEL_AREA
    points = np.column_stack([(x.to_numpy(float) + reach) / (2 * reach) * width,
                              y.to_numpy(float) / top * height])
    radii = np.maximum(np.sqrt(size.to_numpy(float) / (2 * sizeref)), 8)
    lines = {k: textwrap.wrap(str(name), 22) for k, name in enumerate(shown[label])}
    _add_names(fig, x.to_numpy(float), y.to_numpy(float), points, radii, lines, LABEL_AREA)
    fig.add_vline(x=0, line={"color": "#555555", "width": 1.5})
    fig.add_hline(y=1, line={"color": "#555555", "width": 1.5, "dash": "dash"})
    corners = {"Star": (reach, top, "right", "top"), "Mature": (-reach, top, "left", "top"),
               "Emerging": (reach, 0, "right", "bottom"),
               "Transforming": (-reach, 0, "left", "bottom")}
    for name, (cx, cy, xanchor, yanchor) in corners.items():
        fig.add_annotation(x=cx, y=cy, xanchor=xanchor, yanchor=yanchor, showarrow=False,
                           text=f"<b>{name}</b><br><span style='font-size:11px'>"
                                f"{QUADRANT_NOTES[name]}</span>",
                           font={"size": 15, "color": "#666666"}, align=xanchor)
    fig.update_xaxes(title_text=esc(x_axis), range=[-reach, reach], tickformat="+.2f",
                     gridcolor="#EEEEEE", zeroline=False)
    fig.update_yaxes(title_text=esc(y_axis), range=[0, top], tickformat=".1f", gridcolor="#EEEEEE",
                     zeroline=False)
    return _finish(fig, title, caption, height=600)


def legend_beside(fig: go.Figure, width: int = 250) -> go.Figure:
    """Move the legend to the right of the plot (many long region names would otherwise wrap
    under the axis and cover the source caption)."""
    fig.update_layout(legend={"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1,
                              "yanchor": "top"}, margin={"r": width})
    return fig


def two_line(head: str, tail: str, width: int = 70) -> str:
    """'head: tail' as a figure title, broken after the colon when it would not fit (a
    "\n", which _finish turns into a line break of the escaped title)."""
    return f"{head}: {tail}" if len(head) + len(tail) + 2 <= width else f"{head}:\n{tail}"


# --- Clusters (benchmark cluster portfolio and network) ------------------------------------

STRONG_COLOUR, OTHER_COLOUR = OKABE_ITO[5], OKABE_ITO[0]  # vermilion: strong; blue: the rest


def _short(name: str, width: int = 22) -> str:
    """A cluster name broken over lines for a label inside a chart (escaped)."""
    return "<br>".join(esc(textwrap.wrap(str(name), width))) or esc(str(name))


# the plot area a bubble chart's labels are placed for: the page's chart at 1280 px, the
# smallest it is drawn (the 1600 x 900 PNG and the slide give the labels more room)
LABEL_AREA = (720, 420)
LABEL_FONT, LABEL_CHAR, LABEL_LINE = 11, 6.0, 13.5  # px: font size, mean glyph width, line


def _box_overlap(a: tuple, b: tuple) -> float:
    """Overlap area of two boxes (left, bottom, right, top)."""
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


LABEL_DIRECTIONS = [(0, 1), (0, -1), (1, 0), (-1, 0), (0.71, 0.71), (-0.71, 0.71),
                    (0.71, -0.71), (-0.71, -0.71)]  # above, below, right, left, corners
LABEL_REACH = (0, 18, 36, 54)  # px beyond the bubble's edge (a leader line shows whose)


def place_labels(points: np.ndarray, radii: np.ndarray, labels: dict[int, list[str]],
                 area: tuple[float, float] = LABEL_AREA) -> dict[int, tuple]:
    """Where each label goes so that labels neither cover one another nor other bubbles, nor
    leave the plot: points and radii in pixels of the plot `area` (x right, y up); labels:
    point index -> its lines. Largest bubbles' labels are placed first, each where it
    collides least, next to its bubble (in one of LABEL_DIRECTIONS) or a little further out
    (LABEL_REACH) when that is clear. Returns index -> (box (left, bottom, right, top),
    the box centre's offset from the point (x, y))."""
    width, height = area
    # other bubbles with a margin: a label right by another bubble reads as that one's
    bubbles = [(x - r - 6, y - r - 6, x + r + 6, y + r + 6) for (x, y), r in zip(points, radii)]
    placed: list[tuple] = []
    out = {}
    for i in sorted(labels, key=lambda i: -radii[i]):
        w = max(len(line) for line in labels[i]) * LABEL_CHAR + 4
        h = len(labels[i]) * LABEL_LINE
        (x, y), r = points[i], radii[i]
        best = None
        for reach in LABEL_REACH:
            for dx, dy in LABEL_DIRECTIONS:
                cx, cy = dx * (r + 3 + reach + w / 2), dy * (r + 3 + reach + h / 2)
                box = (x + cx - w / 2, y + cy - h / 2, x + cx + w / 2, y + cy + h / 2)
                outside = w * h - _box_overlap(box, (0, 0, width, height))
                # px² of overlap, weighted: a label over a label is worst, then one cut off
                # at the edge, then one over a bubble, then one further out
                cost = (50 * sum(_box_overlap(box, b) for b in placed) + 10 * outside
                        + 3 * sum(_box_overlap(box, b) for j, b in enumerate(bubbles) if j != i)
                        + reach * w)
                if best is None or cost < best[0]:
                    best = (cost, box, (cx, cy))
        placed.append(best[1])
        out[i] = best[1:]
    return out


def _padded(low: float, high: float, pad_px: float, size_px: float) -> list[float]:
    """An axis range around [low, high] that leaves pad_px pixels on each side."""
    span = (high - low) or 1.0
    extra = span * pad_px / max(size_px - 2 * pad_px, 1.0)
    return [low - extra, high + extra]


def build_portfolio_bubble_figure(table: pd.DataFrame, *, title: str, caption: str,
                                  x_axis: str, labelled: int = 8) -> go.Figure:
    """A region's traded clusters: x = employment growth (% a year), y = LQ (log scale, the
    line at 1 = the base area's share), area = jobs; strong clusters in vermilion. The
    largest clusters and every strong one are named, each label beside its bubble where it
    covers no other label or bubble (place_labels). Clusters without growth (no figure in
    the start year) are left out; pages say which."""
    x = pd.to_numeric(table["employment_cagr"], errors="coerce") * 100
    y = pd.to_numeric(table["lq_employment"], errors="coerce")
    size = pd.to_numeric(table["employment"], errors="coerce").clip(lower=0)
    known = x.notna() & (y > 0) & size.notna()
    frame = table[known].assign(_x=x[known], _y=y[known], _s=size[known])
    strong = frame["strong_cluster"].astype("boolean").fillna(False)
    named = set(frame.nlargest(labelled, "_s").index) | set(frame.index[strong])
    sizeref = 2.0 * float(frame["_s"].max() or 1) / 60 ** 2
    fig = go.Figure()
    for is_strong, name, colour in ((False, "Other traded clusters", OTHER_COLOUR),
                                    (True, "Strong clusters", STRONG_COLOUR)):
        part = frame[strong == is_strong]
        fig.add_trace(go.Scatter(
            x=part["_x"], y=part["_y"], mode="markers", name=name,
            marker={"size": part["_s"], "sizemode": "area", "sizeref": sizeref, "sizemin": 6,
                    "color": colour, "opacity": 0.75, "line": {"width": 1, "color": "#333"}},
            customdata=np.stack([esc(part["cluster_name"].astype(str)), part["_s"]], axis=-1)
            if len(part)
            else None,
            hovertemplate="<b>%{customdata[0]}</b><br>LQ %{y:.2f}; growth %{x:+.1f}% a year"
                          "<br>%{customdata[1]:,.0f} jobs<extra></extra>"))
    if len(frame):
        _label_bubbles(fig, frame, named, sizeref)
    fig.add_hline(y=1, line={"color": "#555555", "width": 1.5, "dash": "dash"})
    fig.add_vline(x=0, line={"color": "#555555", "width": 1.5})
    ticks = [t for t in (0.02, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32)
             if len(frame) and frame["_y"].min() / 1.5 <= t <= frame["_y"].max() * 1.5]
    fig.update_yaxes(type="log", title_text="Location quotient (log scale; 1 = base area's "
                     "share)", gridcolor="#EEEEEE", tickvals=ticks,
                     ticktext=[f"{t:g}" for t in ticks])
    fig.update_xaxes(title_text=esc(x_axis), gridcolor="#EEEEEE", tickformat="+.0f",
                     zeroline=False)
    fig.update_layout(legend={"orientation": "h", "y": 1.0, "x": 1, "xanchor": "right",
                              "yanchor": "bottom"})
    return _finish(fig, title, caption, height=620, bottom=110)


def _label_bubbles(fig: go.Figure, frame: pd.DataFrame, named: set, sizeref: float) -> None:
    """Fix both axes' ranges (so bubbles have known pixel places, with room for the largest
    bubble at the edges) and name the `named` bubbles with annotations put by place_labels."""
    width, height = LABEL_AREA
    # plotly's bubble radius in px for sizemode "area" (its makeBubbleSizeFn), at least sizemin
    radii = np.maximum(np.sqrt(frame["_s"].to_numpy(float) / (2 * sizeref)), 6)
    pad = float(radii.max()) + 8
    logs = np.log10(frame["_y"].to_numpy(float))
    x_range = _padded(float(frame["_x"].min()), float(frame["_x"].max()), pad, width)
    y_range = _padded(float(logs.min()), float(logs.max()), pad, height)
    fig.update_xaxes(range=x_range)
    fig.update_yaxes(range=y_range)
    points = np.column_stack([
        (frame["_x"].to_numpy(float) - x_range[0]) / (x_range[1] - x_range[0]) * width,
        (logs - y_range[0]) / (y_range[1] - y_range[0]) * height])
    lines = {frame.index.get_loc(i): textwrap.wrap(str(frame.at[i, "cluster_name"]), 18)
             for i in named}
    _add_names(fig, frame["_x"].to_numpy(float), logs, points, radii, lines, LABEL_AREA)


def _add_names(fig: go.Figure, x: np.ndarray, y: np.ndarray, points: np.ndarray,
               radii: np.ndarray, lines: dict[int, list[str]], area: tuple[float, float],
               font_size: float = LABEL_FONT) -> None:
    """Name points (x, y in axis units; a log axis's in log10) with annotations where
    place_labels puts them (points and radii in pixels of the plot `area`), each with a
    leader line to its marker's edge."""
    for k, (_, (cx, cy)) in place_labels(points, radii, lines, area).items():
        fig.add_annotation(x=float(x[k]), y=float(y[k]), xref="x", yref="y",
                           text="<br>".join(esc(lines[k])), showarrow=True, arrowhead=0,
                           arrowwidth=0.8, arrowcolor="#777", standoff=float(radii[k]),
                           ax=cx, ay=-cy, align="center",
                           font={"size": font_size, "color": "#333"})


LQ_TICKS = [0.125, 0.25, 0.5, 1, 2, 4, 8]
NETWORK_LABEL_AREA = (660, 580)  # the network's plot area on the page (beside its colour bar)


def build_cluster_network_figure(nodes: pd.DataFrame, edges: pd.DataFrame, *, title: str,
                                 caption: str, highlight: list[str] = ()) -> go.Figure:
    """The related-cluster network: one node per traded cluster at a fixed position (nodes:
    cluster_code, cluster_name, x, y, employment, lq_employment, strong_cluster), one line per
    related pair (edges: source, target); node colour = the region's LQ (the maps' diverging
    colours, centred at 1 on a log scale; grey: no jobs published), area = jobs, a black ring on strong clusters, a dashed ring on
    `highlight` (related clusters to grow into, best first). Strong clusters, the four
    largest, the three most concentrated and the first three of `highlight` are named."""
    where = nodes.set_index("cluster_code")[["x", "y"]]
    xs, ys = [], []
    for source, target in zip(edges["source"], edges["target"]):
        if source in where.index and target in where.index:
            xs += [where.at[source, "x"], where.at[target, "x"], None]
            ys += [where.at[source, "y"], where.at[target, "y"], None]
    fig = go.Figure(go.Scatter(x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False,
                               line={"color": "#C8C8C8", "width": 1}))
    lq = pd.to_numeric(nodes["lq_employment"], errors="coerce")
    jobs = pd.to_numeric(nodes["employment"], errors="coerce").fillna(0).clip(lower=0)
    strong = nodes["strong_cluster"].astype("boolean").fillna(False)
    marked = nodes["cluster_code"].isin(highlight)
    size = 12 + 38 * np.sqrt(jobs / (jobs.max() or 1))
    top_jobs = jobs.nlargest(4)
    named = set(nodes.index[strong]) | set(top_jobs.index[top_jobs > 0]) | set(
        lq.nlargest(3).index) | set(nodes.index[nodes["cluster_code"].isin(list(highlight)[:3])])
    known = lq > 0
    colour = np.log2(lq.where(known))
    ticks = [t for t in LQ_TICKS if lq[known].empty or t <= max(8, float(lq.max()))]
    fig.add_trace(go.Scatter(
        x=nodes["x"], y=nodes["y"], mode="markers", showlegend=False,
        marker={"size": size, "color": colour.where(known, np.nan),
                "colorscale": [[i / (len(DIVERGING) - 1), c] for i, c in enumerate(DIVERGING)],
                "cmin": -3.0, "cmid": 0.0, "cmax": 3.0,  # LQ 1/8 .. 8, centred at 1 as the maps
                "colorbar": {"title": {"text": "LQ<br>(ratio to base)", "side": "top"},
                             "tickvals": [np.log2(t) for t in ticks],
                             "ticktext": [f"{t:g}" for t in ticks], "thickness": 14,
                             "len": 0.75},
                "line": {"color": np.where(strong, "#000000", np.where(marked, "#D55E00",
                                                                         "#FFFFFF")),
                         "width": np.where(strong | marked, 3, 1)}},
        customdata=np.stack([esc(nodes["cluster_name"].astype(str)), lq.map(
                             lambda v: f"{v:.2f}" if pd.notna(v)
                                                           else "no jobs published"),
                             jobs.map("{:,.0f}".format)], axis=-1),
        hovertemplate="<b>%{customdata[0]}</b><br>LQ %{customdata[1]}<br>%{customdata[2]} jobs"
                      "<extra></extra>"))
    missing = ~known
    if missing.any():  # clusters without published jobs: grey, so they are not read as LQ 0
        fig.add_trace(go.Scatter(x=nodes.loc[missing, "x"], y=nodes.loc[missing, "y"],
                                 mode="markers", hoverinfo="skip", showlegend=False,
                                 marker={"size": 12, "color": NO_DATA_COLOUR,
                                         "line": {"color": "#FFFFFF", "width": 1}}))
    legend = ("Black ring: strong cluster · orange ring: related cluster to grow into · grey: "
              "no jobs published · lines: related pairs (Cluster Mapping Project)")
    fig.add_annotation(text=legend, xref="paper", yref="paper", x=0, y=1.0, xanchor="left",
                       yanchor="bottom", showarrow=False, font={"size": 12, "color": "#444"})
    x_range, y_range = [-1.25, 1.25], [-1.15, 1.15]
    fig.update_xaxes(visible=False, range=x_range)
    fig.update_yaxes(visible=False, range=y_range)
    width, height = NETWORK_LABEL_AREA
    x, y = nodes["x"].to_numpy(float), nodes["y"].to_numpy(float)
    points = np.column_stack([(x - x_range[0]) / (x_range[1] - x_range[0]) * width,
                              (y - y_range[0]) / (y_range[1] - y_range[0]) * height])
    lines = {nodes.index.get_loc(i): textwrap.wrap(str(nodes.at[i, "cluster_name"]), 22)
             for i in named}
    _add_names(fig, x, y, points, size.to_numpy(float) / 2, lines, NETWORK_LABEL_AREA, 10.5)
    return _finish(fig, title, caption, height=720)


# --- Static maps (briefs): vector polygons on plain axes ---------------------------------

def _rings(geometry: dict) -> list[list]:
    """The outer rings of a GeoJSON (Multi)Polygon."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [
        geometry["coordinates"]]
    return [polygon[0] for polygon in polygons]


def _polygon_trace(features: list[dict], colour: str, name: str, *, line: str = "white",
                   width: float = 0.6, fill: bool = True) -> go.Scatter:
    xs, ys = [], []
    for feature in features:
        for ring in _rings(feature["geometry"]):
            xs += [p[0] for p in ring] + [None]
            ys += [p[1] for p in ring] + [None]
    return go.Scatter(x=xs, y=ys, mode="lines", fill="toself" if fill else None,
                      fillcolor=colour if fill else None, line={"color": line, "width": width},
                      name=name, hoverinfo="skip", showlegend=False)


def _swatch(colour: str, name: str) -> go.Scatter:
    """A legend entry: a filled square (polygon traces would show a line)."""
    return go.Scatter(x=[None], y=[None], mode="markers", name=name, hoverinfo="skip",
                      marker={"symbol": "square", "size": 16, "color": colour,
                              "line": {"color": "#777777", "width": 0.5}})


def build_static_map_figure(table: pd.DataFrame, *, title: str, caption: str, geojson: dict,
                            outlines: dict | None = None, highlight: str | None = None,
                            area: set[str] | None = None) -> go.Figure:
    """A classed map of the location quotient for slides and print: each region's shape
    filled by its LQ class (map_classes: the on-screen map's classes, diverging at 1), dark
    grey where the source withheld the figure, light grey for the regions of `area` without a
    row (no data), `highlight` outlined in black, state lines on top. Drawn as
    plain vector polygons (no map tiles, WebGL or downloads: kaleido renders it in well under
    a second, and its SVG is vector). Regions outside the lower 48 are left out of a view
    that spans the nation (the caption should say so)."""
    values = pd.to_numeric(table["lq_employment"], errors="coerce")
    lq = dict(zip(table["region_code"].astype(str), values))
    drawn = set(lq) | set(area or ())
    features = [f for f in geojson["features"] if str(f["id"]) in drawn]
    box = _shape_bounds({"features": features}, drawn)
    national = box is None or box[2] - box[0] > NATIONAL_SPAN
    if national:  # the lower 48
        features = [f for f in features if -125 <= shape_centre(f)[0] <= -66
                    and 24 <= shape_centre(f)[1] <= 50]
        box = (-125.0, 24.5, -66.9, 49.4)
    fig = go.Figure()
    metric = metric_of("lq")
    grey = [f for f in features if str(f["id"]) in lq and pd.isna(lq[str(f["id"])])]
    no_row = [f for f in features if str(f["id"]) not in lq]
    legend = []  # every class, the highest at the top, then grey
    for group in map_classes(values, metric):
        part = [f for f in features if group.low <= lq.get(str(f["id"]), np.nan) < group.high]
        if part:
            fig.add_trace(_polygon_trace(part, group.colour, f"LQ {group.label}"))
        legend.insert(0, _swatch(group.colour, group.label))
    if grey:
        fig.add_trace(_polygon_trace(grey, WITHHELD_COLOUR, WITHHELD))
        legend.append(_swatch(WITHHELD_COLOUR, WITHHELD))
    if no_row:
        fig.add_trace(_polygon_trace(no_row, NO_DATA_COLOUR, NO_DATA))
        legend.append(_swatch(NO_DATA_COLOUR, NO_DATA))
    fig.add_traces(legend)
    if outlines:
        fig.add_trace(_polygon_trace(outlines["features"], "", "states", line="#7A7A7A",
                                     width=0.9, fill=False))
    own = [f for f in features if str(f["id"]) == str(highlight)]
    if own:
        fig.add_trace(_polygon_trace(own, "", "", line="#000000", width=3, fill=False))
    pad_lon, pad_lat = (box[2] - box[0]) * 0.04 + 0.2, (box[3] - box[1]) * 0.04 + 0.2
    middle = np.radians((box[1] + box[3]) / 2)
    fig.update_xaxes(visible=False, range=[box[0] - pad_lon, box[2] + pad_lon])
    fig.update_yaxes(visible=False, range=[box[1] - pad_lat, box[3] + pad_lat],
                     scaleanchor="x", scaleratio=1 / float(np.cos(middle)))
    fig.update_layout(legend={"title": {"text": legend_title(metric).replace(" (", "<br>(")},
                              "x": 1.0, "xanchor": "left", "y": 1, "yanchor": "top",
                              "traceorder": "normal"})
    return _finish(fig, title, caption)


def shape_centre(feature: dict) -> tuple[float, float]:
    """The middle of a feature's bounding box (lon, lat)."""
    xs = [p[0] for ring in _rings(feature["geometry"]) for p in ring]
    ys = [p[1] for ring in _rings(feature["geometry"]) for p in ring]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2


def build_related_clusters_figure(related: pd.DataFrame, *, title: str, caption: str,
                                  top: int = 10) -> go.Figure:
    """Where a region could grow next, readable on a slide: the related clusters it is not
    strong in (hubdata.clusters.related_clusters rows, best first) as bars of the region's
    LQ in each, each bar labelled with its jobs and the strong clusters it is related to;
    the line at LQ 1 is the base area's share."""
    frame = related.head(top).iloc[::-1]
    lq = pd.to_numeric(frame["lq_employment"], errors="coerce")
    jobs = pd.to_numeric(frame["employment"], errors="coerce")
    labels = [f"{'no jobs published' if pd.isna(j) else f'{j:,.0f} jobs'} · related to "
              f"{textwrap.shorten(str(r), 60, placeholder='…')}"
              for j, r in zip(jobs, frame["related_to"])]
    fig = go.Figure(go.Bar(
        x=lq.fillna(0), y=[_short(n, 34) for n in frame["cluster_name"]], orientation="h",
        marker_color=OKABE_ITO[1], text=labels, textposition="outside", cliponaxis=False,
        textfont={"size": 12, "color": "#333"},
        hovertemplate="%{y}: LQ %{x:.2f}<extra></extra>"))
    reach = float(lq.max()) if lq.notna().any() else 1.0
    fig.add_vline(x=1, line={"color": "#555555", "width": 1.5, "dash": "dash"})
    fig.update_xaxes(title_text="Location quotient in the region (1 = base area's share)",
                     range=[0, max(reach, 1.0) * 1.9], gridcolor="#EEEEEE", tickformat=".1f")
    fig.update_yaxes(title_text=None, automargin=True)
    return _finish(fig, title, caption, height=max(420, 44 * len(frame) + 160))
