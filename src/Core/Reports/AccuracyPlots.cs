using Cltool.Core.Continual;
using Cltool.Core.IO;
using SkiaSharp;

namespace Cltool.Core.Reports;

/// <summary>PNG figures: the accuracy matrix as a heatmap, accuracy-after-each-task curves, grouped accuracy bars, labelled points.</summary>
public static class AccuracyPlots
{
    static readonly SKColor[] Palette =
        [new(31, 119, 180), new(214, 39, 40), new(44, 160, 44), new(255, 127, 14), new(148, 103, 189), new(140, 86, 75), new(23, 190, 207)];

    /// <summary>
    /// Rows: each task's classes; columns: after each task; cells: accuracy in percent, darker is better. Cells shrink for
    /// long runs so the picture stays about 1000 pixels wide (a 100-task matrix at full size was 5600² pixels and took
    /// seconds to encode after every task); labels and values are written only while they fit.
    /// </summary>
    public static void Heatmap(AccuracyMatrix matrix, string title, string path)
    {
        const int left = 110, top = 60, bottom = 50;
        int n = matrix.Tasks, cell = Math.Clamp(900 / n, 6, 56);
        bool values = cell >= 40, labels = cell >= 14;
        Draw(path, left + n * cell + 20, top + n * cell + bottom, (canvas, font, small) =>
        {
            DrawText(canvas, title, 10, 24, font, SKTextAlign.Left);
            for (int g = 0; g < n; g++)
            {
                if (labels || g % 10 == 9 || g == 0)
                {
                    DrawText(canvas, $"task {g + 1}", left - 8, top + g * cell + cell / 2 + 4, small, SKTextAlign.Right);
                    DrawText(canvas, $"{g + 1}", left + g * cell + cell / 2, top + n * cell + 18, small, SKTextAlign.Center);
                }
                for (int j = 0; j < n; j++)
                {
                    double value = matrix[g, j];
                    var rect = SKRect.Create(left + j * cell, top + g * cell, cell - Math.Min(2, cell / 8), cell - Math.Min(2, cell / 8));
                    using var fill = new SKPaint { Color = double.IsNaN(value) ? new SKColor(240, 240, 240) : Shade(value) };
                    canvas.DrawRect(rect, fill);
                    if (values && !double.IsNaN(value))
                        DrawText(canvas, $"{value * 100:F1}", rect.MidX, rect.MidY + 4, small, SKTextAlign.Center, value > 0.55 ? SKColors.White : SKColors.Black);
                }
            }
            DrawText(canvas, "accuracy (%) on each task's classes (rows) after training task (columns)", left, top + n * cell + 40, small, SKTextAlign.Left);
        });
    }

    /// <summary>
    /// A confusion matrix: rows the true class, columns the predicted one, each cell shaded by its share of the row (so
    /// the diagonal is per-class recall); counts are written in the cells when the classes are few enough to read them.
    /// </summary>
    public static void Confusion(long[,] counts, IReadOnlyList<string> labels, string title, string path)
    {
        int n = labels.Count, cell = Math.Clamp(720 / n, 4, 48), left = n <= 40 ? 110 : 20, top = 60;
        Draw(path, left + n * cell + 20, top + n * cell + 50, (canvas, font, small) =>
        {
            DrawText(canvas, title, 10, 24, font, SKTextAlign.Left);
            for (int t = 0; t < n; t++)
            {
                long total = Enumerable.Range(0, n).Sum(p => counts[t, p]);
                if (n <= 40) DrawText(canvas, labels[t], left - 6, top + t * cell + cell / 2 + 4, small, SKTextAlign.Right);
                for (int p = 0; p < n; p++)
                {
                    double share = total == 0 ? double.NaN : (double)counts[t, p] / total;
                    var rect = SKRect.Create(left + p * cell, top + t * cell, Math.Max(1, cell - 1), Math.Max(1, cell - 1));
                    using var fill = new SKPaint { Color = double.IsNaN(share) ? new SKColor(240, 240, 240) : Shade(share) };
                    canvas.DrawRect(rect, fill);
                    if (cell >= 28 && counts[t, p] > 0)
                        DrawText(canvas, $"{counts[t, p]}", rect.MidX, rect.MidY + 4, small, SKTextAlign.Center, share > 0.55 ? SKColors.White : SKColors.Black);
                }
            }
            DrawText(canvas, "true class (rows) against predicted class (columns), shaded by the share of the row", left, top + n * cell + 30, small, SKTextAlign.Left);
        });
    }

    /// <summary>
    /// Accuracy on all classes seen so far after each task, one line per series (e.g. per method), each with an optional
    /// band of ± <paramref name="bands"/> around it (the spread over seeds).
    /// </summary>
    public static void Curves(IReadOnlyList<(string Name, double[] Values)> series, string title, string path, IReadOnlyList<double[]>? bands = null)
    {
        int tasks = Math.Max(2, series.Max(s => s.Values.Length));
        string[] labels = Enumerable.Range(1, tasks).Select(t => $"{t}").ToArray();
        Lines(series, labels, "after task", 1, value => $"{value * 100:F0}%", title, path, bands);
    }

    /// <summary>
    /// A line chart from 0 to <paramref name="yMax"/> (five grid steps), one line per series over the x labels (at most
    /// about 20 printed, so long runs stay readable), each with an optional translucent band of ± <paramref name="bands"/>.
    /// </summary>
    public static void Lines(IReadOnlyList<(string Name, double[] Values)> series, string[] xLabels, string xTitle, double yMax,
                             Func<double, string> yLabel, string title, string path, IReadOnlyList<double[]>? bands = null)
    {
        const int width = 640, height = 420, left = 60, right = 170, top = 50, bottom = 50;
        int points = Math.Max(2, xLabels.Length), labelEvery = (xLabels.Length + 19) / 20;
        float dotRadius = xLabels.Length > 40 ? 1.5f : 4;
        float plotWidth = width - left - right, plotHeight = height - top - bottom;
        float X(int index) => left + plotWidth * index / (points - 1);
        float Y(double value) => top + plotHeight * (float)(1 - value / yMax);
        Draw(path, width, height, (canvas, font, small) =>
        {
            DrawText(canvas, title, 10, 24, font, SKTextAlign.Left);
            using var grid = new SKPaint { Color = new SKColor(225, 225, 225), StrokeWidth = 1 };
            for (int step = 0; step <= 5; step++)
            {
                double value = yMax * step / 5;
                canvas.DrawLine(left, Y(value), left + plotWidth, Y(value), grid);
                DrawText(canvas, yLabel(value), left - 6, Y(value) + 4, small, SKTextAlign.Right);
            }
            for (int i = 0; i < xLabels.Length; i += labelEvery) DrawText(canvas, xLabels[i], X(i), top + plotHeight + 18, small, SKTextAlign.Center);
            DrawText(canvas, xTitle, left + plotWidth / 2, height - 10, small, SKTextAlign.Center);
            for (int s = 0; s < series.Count; s++)
            {
                using var pen = new SKPaint { Color = Palette[s % Palette.Length], StrokeWidth = 2.5f, IsAntialias = true, Style = SKPaintStyle.Stroke };
                using var dot = new SKPaint { Color = pen.Color, IsAntialias = true };
                double[] values = series[s].Values;
                if (bands?[s] is { } band) DrawBand(canvas, values, band, X, value => Y(Math.Clamp(value, 0, yMax)), pen.Color);
                for (int t = 0; t < values.Length; t++)
                {
                    if (t > 0) canvas.DrawLine(X(t - 1), Y(values[t - 1]), X(t), Y(values[t]), pen);
                    canvas.DrawCircle(X(t), Y(values[t]), dotRadius, dot);
                }
                float legendY = top + 10 + s * 20;
                canvas.DrawLine(width - right + 15, legendY, width - right + 35, legendY, pen);
                DrawText(canvas, series[s].Name, width - right + 40, legendY + 4, small, SKTextAlign.Left);
            }
        });
    }

    /// <summary>Grouped bars from 0 to 100 %: one group per x label, one bar per series, the value printed on each bar; NaN leaves a gap.</summary>
    public static void Bars(IReadOnlyList<(string Name, double[] Values)> series, string[] groups, string title, string path)
    {
        const int height = 420, left = 60, right = 270, top = 50, bottom = 50, barWidth = 26, gap = 30;
        float groupWidth = series.Count * barWidth + gap;
        int width = left + (int)(groups.Length * groupWidth) + right;
        float plotHeight = height - top - bottom;
        float Y(double value) => top + plotHeight * (float)(1 - value);
        Draw(path, width, height, (canvas, font, small) =>
        {
            DrawText(canvas, title, 10, 24, font, SKTextAlign.Left);
            using var grid = new SKPaint { Color = new SKColor(225, 225, 225), StrokeWidth = 1 };
            for (int step = 0; step <= 5; step++)
            {
                double value = step / 5.0;
                canvas.DrawLine(left, Y(value), width - right, Y(value), grid);
                DrawText(canvas, $"{value * 100:F0}%", left - 6, Y(value) + 4, small, SKTextAlign.Right);
            }
            for (int g = 0; g < groups.Length; g++)
            {
                float groupLeft = left + gap / 2 + g * groupWidth;
                DrawText(canvas, groups[g], groupLeft + series.Count * barWidth / 2f, top + plotHeight + 18, small, SKTextAlign.Center);
                for (int s = 0; s < series.Count; s++)
                {
                    double value = series[s].Values[g];
                    if (double.IsNaN(value)) continue;
                    using var fill = new SKPaint { Color = Palette[s % Palette.Length] };
                    var bar = new SKRect(groupLeft + s * barWidth, Y(value), groupLeft + (s + 1) * barWidth - 3, Y(0));
                    canvas.DrawRect(bar, fill);
                    DrawText(canvas, $"{value * 100:F0}", bar.MidX, bar.Top - 4, small, SKTextAlign.Center);
                }
            }
            for (int s = 0; s < series.Count; s++)
            {
                float legendY = top + 10 + s * 20;
                using var fill = new SKPaint { Color = Palette[s % Palette.Length] };
                canvas.DrawRect(SKRect.Create(width - right + 15, legendY - 8, 14, 12), fill);
                DrawText(canvas, series[s].Name, width - right + 35, legendY + 3, small, SKTextAlign.Left);
            }
        });
    }

    /// <summary>Labelled points: x from 0 to 1.1 × the largest x, y (an accuracy) from 0 to 100 %.</summary>
    public static void Scatter(IReadOnlyList<(string Label, double X, double Y)> points, string xTitle, string title, string path)
    {
        const int width = 720, height = 440, left = 60, right = 40, top = 50, bottom = 50;
        double xMax = 1.1 * Math.Max(1e-9, points.Max(p => p.X));
        float plotWidth = width - left - right, plotHeight = height - top - bottom;
        float X(double value) => left + plotWidth * (float)(value / xMax);
        float Y(double value) => top + plotHeight * (float)(1 - value);
        Draw(path, width, height, (canvas, font, small) =>
        {
            DrawText(canvas, title, 10, 24, font, SKTextAlign.Left);
            using var grid = new SKPaint { Color = new SKColor(225, 225, 225), StrokeWidth = 1 };
            for (int step = 0; step <= 5; step++)
            {
                canvas.DrawLine(left, Y(step / 5.0), left + plotWidth, Y(step / 5.0), grid);
                DrawText(canvas, $"{step * 20}%", left - 6, Y(step / 5.0) + 4, small, SKTextAlign.Right);
                canvas.DrawLine(X(xMax * step / 5), top, X(xMax * step / 5), top + plotHeight, grid);
                DrawText(canvas, $"{xMax * step / 5:G3}", X(xMax * step / 5), top + plotHeight + 18, small, SKTextAlign.Center);
            }
            DrawText(canvas, xTitle, left + plotWidth / 2, height - 10, small, SKTextAlign.Center);
            for (int i = 0; i < points.Count; i++)
            {
                using var dot = new SKPaint { Color = Palette[i % Palette.Length], IsAntialias = true };
                canvas.DrawCircle(X(points[i].X), Y(points[i].Y), 5, dot);
                bool rightHalf = X(points[i].X) > left + plotWidth / 2;   // labels lean inwards, so none leaves the picture
                DrawText(canvas, $"{points[i].Label} ({points[i].Y * 100:F1})", X(points[i].X) + (rightHalf ? -8 : 8), Y(points[i].Y) - 6 - 13 * (i % 4),
                         small, rightHalf ? SKTextAlign.Right : SKTextAlign.Left, Palette[i % Palette.Length]);
            }
        });
    }

    /// <summary>The area between values − band and values + band, in the line's colour at low opacity.</summary>
    static void DrawBand(SKCanvas canvas, double[] values, double[] band, Func<int, float> x, Func<double, float> y, SKColor color)
    {
        using var path = new SKPath();
        path.MoveTo(x(0), y(values[0] + band[0]));
        for (int t = 1; t < values.Length; t++) path.LineTo(x(t), y(values[t] + band[t]));
        for (int t = values.Length - 1; t >= 0; t--) path.LineTo(x(t), y(values[t] - band[t]));
        path.Close();
        using var fill = new SKPaint { Color = color.WithAlpha(50), IsAntialias = true, Style = SKPaintStyle.Fill };
        canvas.DrawPath(path, fill);
    }

    static SKColor Shade(double accuracy)
    {
        double t = Math.Clamp(accuracy, 0, 1);
        return new SKColor((byte)(247 - t * (247 - 8)), (byte)(251 - t * (251 - 48)), (byte)(255 - t * (255 - 107)));
    }

    static void Draw(string path, int width, int height, Action<SKCanvas, SKFont, SKFont> draw)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        using (var font = new SKFont(SKTypeface.Default, 15))
        using (var small = new SKFont(SKTypeface.Default, 12))
        {
            canvas.Clear(SKColors.White);
            draw(canvas, font, small);
        }
        using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.WriteAllBytes(path, png.AsSpan());
    }

    static void DrawText(SKCanvas canvas, string text, float x, float y, SKFont font, SKTextAlign align, SKColor? color = null)
    {
        using var ink = new SKPaint { Color = color ?? SKColors.Black, IsAntialias = true };
        canvas.DrawText(text, x, y, align, font, ink);
    }
}
