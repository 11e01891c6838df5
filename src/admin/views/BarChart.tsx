import type { Translate } from '../../i18n/index.ts';

const DAY = 86_400_000;
const WIDTH = 300;
const HEIGHT = 60;

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Submissions per day as bars, drawn on the server (no script; sizes are SVG attributes, not
 * styles, so the strict CSP holds). The picture is hidden from screen readers, which get the
 * same numbers as a table inside a disclosure that keyboards open too.
 */
export function BarChart({ t, perDay, start, label }: { t: Translate; perDay: number[]; start: number; label: string }) {
  const most = Math.max(1, ...perDay);
  const step = WIDTH / perDay.length;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width={WIDTH} height={HEIGHT} aria-hidden="true" focusable="false">
        <line x1="0" y1={HEIGHT - 0.5} x2={WIDTH} y2={HEIGHT - 0.5} stroke="currentColor" stroke-opacity="0.3" />
        {perDay.map((n, i) => {
          const height = n === 0 ? 0 : Math.max(2, Math.round((n / most) * (HEIGHT - 4)));
          return (
            <rect x={(i * step + 1).toFixed(1)} y={HEIGHT - height} width={(step - 2).toFixed(1)} height={height} fill="currentColor" />
          );
        })}
      </svg>
      <figcaption>
        <details>
          <summary>{t('dash.chartSummary', { days: perDay.length, n: perDay.reduce((a, b) => a + b, 0) })}</summary>
          <table>
            <caption>{label}</caption>
            <thead>
              <tr>
                <th scope="col">{t('dash.day')}</th>
                <th scope="col">{t('dash.submissions')}</th>
              </tr>
            </thead>
            <tbody>
              {perDay.map((n, i) => (
                <tr>
                  <td>{isoDay(start + i * DAY)}</td>
                  <td>{n}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      </figcaption>
    </figure>
  );
}
