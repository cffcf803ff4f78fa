// The PIREP map: an offline basemap (Natural Earth land from world-atlas,
// US states from us-atlas, both bundled TopoJSON) drawn with d3-geo in SVG,
// one marker per located report. This module is loaded lazily (React.lazy),
// so the basemap and d3-geo are a chunk of their own, outside the main bundle.
import { geoConicConformal, geoPath, type GeoProjection } from 'd3-geo';
import { feature, mesh } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { useMemo, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import landTopo from 'world-atlas/land-110m.json';
import statesTopo from 'us-atlas/states-10m.json';
import type { Pirep } from '../api/types';
import { icingLevel, isUrgent, markerName, reportOf, toneOf, turbulenceLevel } from '../pirep/decode';
import type { BBox } from '../pirep/filters';
import { Glyph } from './glyphs';

const W = 960;
const H = 560;
const PAD = 24;
/** The contiguous US: the default view. */
const CONUS: BBox = { minLon: -124.8, minLat: 24.4, maxLon: -66.9, maxLat: 49.4 };

type LatLon = { lat: number; lon: number };

function positionOf(p: Pirep): LatLon | null {
  const pos = p.position as Partial<LatLon> | null | undefined;
  return pos && typeof pos.lat === 'number' && typeof pos.lon === 'number' ? { lat: pos.lat, lon: pos.lon } : null;
}

function corners(b: BBox): [number, number][] {
  return [
    [b.minLon, b.minLat],
    [b.maxLon, b.minLat],
    [b.minLon, b.maxLat],
    [b.maxLon, b.maxLat],
    [(b.minLon + b.maxLon) / 2, b.maxLat],
    [(b.minLon + b.maxLon) / 2, b.minLat],
  ];
}

function projectionFor(points: [number, number][], focus: BBox | null): GeoProjection {
  const pts = focus ? corners(focus) : [...corners(CONUS), ...points];
  const centerLon = pts.reduce((s, p) => s + p[0], 0) / pts.length;
  return geoConicConformal()
    .parallels([33, 45])
    .rotate([-centerLon, 0])
    .fitExtent(
      [
        [PAD, PAD],
        [W - PAD, H - PAD],
      ],
      { type: 'MultiPoint', coordinates: pts },
    )
    .clipExtent([
      [0, 0],
      [W, H],
    ]);
}

export interface PirepMapProps {
  items: Pirep[];
  selectedId: string | null;
  onSelect: (id: string) => void;
  now: number;
  /** the area filter, drawn as a box and used as the view */
  bbox: BBox | null;
  /** drawing: a drag on the map draws the area filter */
  drawing: boolean;
  onBox: (b: BBox) => void;
}

export default function PirepMap({ items, selectedId, onSelect, now, bbox, drawing, onBox }: PirepMapProps) {
  const located = useMemo(() => items.flatMap((p) => (positionOf(p) ? [{ p, pos: positionOf(p)! }] : [])), [items]);
  const ptsKey = located.map((x) => `${x.pos.lon.toFixed(1)},${x.pos.lat.toFixed(1)}`).join(';');
  const projection = useMemo(
    () => projectionFor(located.map((x) => [x.pos.lon, x.pos.lat]), bbox),
    // the view changes when the set of positions or the area changes, not on every refetch
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [ptsKey, bbox?.minLon, bbox?.minLat, bbox?.maxLon, bbox?.maxLat],
  );
  const base = useMemo(() => {
    const path = geoPath(projection);
    const lt = landTopo as unknown as Topology<{ land: GeometryCollection }>;
    const st = statesTopo as unknown as Topology<{ states: GeometryCollection; nation: GeometryCollection }>;
    return {
      land: path(feature(lt, lt.objects.land)) ?? '',
      states: path(mesh(st, st.objects.states, (a, b) => a !== b)) ?? '',
      nation: path(mesh(st, st.objects.nation)) ?? '',
      area: bbox
        ? path({
            type: 'Polygon',
            coordinates: [
              [
                [bbox.minLon, bbox.minLat],
                [bbox.minLon, bbox.maxLat],
                [bbox.maxLon, bbox.maxLat],
                [bbox.maxLon, bbox.minLat],
                [bbox.minLon, bbox.minLat],
              ],
            ],
          })
        : '',
    };
  }, [projection, bbox]);

  const svgRef = useRef<SVGSVGElement>(null);
  const [drag, setDrag] = useState<{ x0: number; y0: number; x1: number; y1: number } | null>(null);
  const toSvg = (e: PointerEvent) => {
    const r = svgRef.current!.getBoundingClientRect();
    return { x: ((e.clientX - r.left) / r.width) * W, y: ((e.clientY - r.top) / r.height) * H };
  };
  function down(e: PointerEvent<SVGRectElement>) {
    const { x, y } = toSvg(e);
    e.currentTarget.setPointerCapture?.(e.pointerId);
    setDrag({ x0: x, y0: y, x1: x, y1: y });
  }
  function move(e: PointerEvent) {
    if (!drag) return;
    const { x, y } = toSvg(e);
    setDrag({ ...drag, x1: x, y1: y });
  }
  function up() {
    if (!drag) return;
    const d = drag;
    setDrag(null);
    if (Math.abs(d.x1 - d.x0) < 6 || Math.abs(d.y1 - d.y0) < 6) return;
    const xs = [d.x0, d.x1];
    const ys = [d.y0, d.y1];
    const ll = [
      [xs[0], ys[0]],
      [xs[1], ys[0]],
      [xs[0], ys[1]],
      [xs[1], ys[1]],
    ]
      .map(([x, y]) => projection.invert!([x, y]))
      .filter((p): p is [number, number] => !!p && isFinite(p[0]) && isFinite(p[1]));
    if (ll.length < 4) return;
    onBox({
      minLon: Math.max(-180, Math.min(...ll.map((p) => p[0]))),
      maxLon: Math.min(180, Math.max(...ll.map((p) => p[0]))),
      minLat: Math.max(-90, Math.min(...ll.map((p) => p[1]))),
      maxLat: Math.min(90, Math.max(...ll.map((p) => p[1]))),
    });
  }

  // the selected marker is drawn last (on top)
  const ordered = [...located].sort((a, b) => (a.p.id === selectedId ? 1 : b.p.id === selectedId ? -1 : Number(isUrgent(a.p)) - Number(isUrgent(b.p))));

  const key = (id: string) => (e: KeyboardEvent) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect(id);
    }
  };

  return (
    <div className="map" role="region" aria-label="PIREP map" data-testid="pirep-map" data-markers={located.length}>
      <svg ref={svgRef} viewBox={`0 0 ${W} ${H}`} className={drawing ? 'drawing' : undefined}>
        <rect x={0} y={0} width={W} height={H} className="sea" />
        <path d={base.land} className="land" />
        <path d={base.states} className="states" />
        <path d={base.nation} className="nation" />
        {base.area && <path d={base.area} className="area" data-testid="map-area" />}
        {ordered.map(({ p, pos }) => {
          const xy = projection([pos.lon, pos.lat]);
          if (!xy) return null;
          const r = reportOf(p);
          const sel = p.id === selectedId;
          const tb = turbulenceLevel(r);
          const ic = icingLevel(r);
          const urgent = isUrgent(p);
          return (
            <g
              key={p.id}
              transform={`translate(${xy[0].toFixed(1)},${xy[1].toFixed(1)})${sel ? ' scale(1.5)' : ''}`}
              className={`marker tone-${toneOf(p)}${sel ? ' selected' : ''}`}
              role="button"
              tabIndex={0}
              aria-label={markerName(p, now)}
              aria-pressed={sel}
              data-testid="pirep-marker"
              data-pirep-id={p.id}
              data-urgent={urgent ? 'true' : 'false'}
              onClick={() => onSelect(p.id)}
              onKeyDown={key(p.id)}
            >
              {urgent ? <rect x={-11} y={-11} width={22} height={22} rx={3} className="shape" transform="rotate(45)" /> : <circle r={10} className="shape" />}
              {tb >= ic && tb > 0 ? <Glyph kind="TB" level={tb} /> : ic > 0 ? <Glyph kind="IC" level={ic} /> : <circle r={2.5} className="dot" />}
            </g>
          );
        })}
        {drawing && (
          <rect
            x={0}
            y={0}
            width={W}
            height={H}
            className="draw-layer"
            onPointerDown={down}
            onPointerMove={move}
            onPointerUp={up}
            onPointerCancel={() => setDrag(null)}
            data-testid="map-draw-layer"
          />
        )}
        {drag && (
          <rect
            x={Math.min(drag.x0, drag.x1)}
            y={Math.min(drag.y0, drag.y1)}
            width={Math.abs(drag.x1 - drag.x0)}
            height={Math.abs(drag.y1 - drag.y0)}
            className="area drag"
          />
        )}
      </svg>
    </div>
  );
}
