import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** A uPlot chart that fills its container's width and follows it when the layout changes. */
export function fittedChart(container: HTMLElement, options: Omit<uPlot.Options, 'width'>, data: uPlot.AlignedData): void {
  const width = (): number => Math.max(200, Math.floor(container.clientWidth || 320));
  const chart = new uPlot({ ...options, width: width() }, data, container);
  const observer = new ResizeObserver(() => {
    // A chart removed from the page lets go of its observer.
    if (!container.isConnected) {
      observer.disconnect();
      chart.destroy();
      return;
    }
    if (chart.width !== width()) chart.setSize({ width: width(), height: options.height });
  });
  observer.observe(container);
}

/** A tooltip that follows the cursor: `text` says what the hovered point is. */
export function tooltipPlugin(text: (u: uPlot, idx: number) => string | null): uPlot.Plugin {
  let tip: HTMLDivElement;
  return {
    hooks: {
      init: (u) => {
        tip = document.createElement('div');
        tip.className = 'chart-tooltip';
        tip.hidden = true;
        u.over.append(tip);
      },
      setCursor: (u) => {
        const idx = u.cursor.idx;
        const content = idx === null || idx === undefined ? null : text(u, idx);
        tip.hidden = content === null;
        if (content === null) return;
        tip.textContent = content;
        const left = u.cursor.left ?? 0;
        // Keep the tip inside the plot: flip to the cursor's left on the right half.
        tip.style.left = left > u.over.clientWidth / 2 ? `${left - tip.offsetWidth - 8}px` : `${left + 8}px`;
        tip.style.top = `${Math.max(0, (u.cursor.top ?? 0) - 28)}px`;
      },
    },
  };
}

export const dateTimeLabel = (t: number): string =>
  new Date(t).toLocaleString(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
