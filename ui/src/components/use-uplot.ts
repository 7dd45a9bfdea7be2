// A uPlot chart in a host element: made once per `deps` (a new set of series), resized with its host, and fed new
// data on every render, so a refresh does not flicker.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

const HEIGHT = 220;
const MIN_WIDTH = 300;

export function useUPlot(options: () => Omit<uPlot.Options, 'width' | 'height'>, data: uPlot.AlignedData, deps: unknown[]) {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const size = () => ({ width: Math.max(MIN_WIDTH, el.clientWidth), height: HEIGHT });
    chart.current = new uPlot({ ...options(), ...size() }, data, el);
    const resize = new ResizeObserver(() => chart.current?.setSize(size()));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.current?.destroy();
      chart.current = null;
    };
  }, deps);

  useEffect(() => {
    chart.current?.setData(data);
  });

  return host;
}
