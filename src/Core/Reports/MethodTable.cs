using System.Globalization;
using System.Text;
using Cltool.Core.Continual;
using Cltool.Core.Errors;
using Cltool.Core.Models;

namespace Cltool.Core.Reports;

/// <summary>
/// The table users read: finished runs grouped by dataset and method, one row per head option each run scored (the run's
/// own and its alternatives on the same backbone), mean ± std over seeds. Written as Markdown, JSON and a PNG of Acc.
/// </summary>
public static class MethodTable
{
    public static IReadOnlyList<MethodTableRow> Build(IReadOnlyList<string> runDirectories)
    {
        var runs = runDirectories.Select(Read).ToList();
        var rows = new List<MethodTableRow>();
        // Seeds of one recipe form a group; any other difference (method, data, epochs, ...) makes its own rows.
        foreach (var group in runs.GroupBy(r => CltoolJson.SerializeCompact(r.Recipe with { Seed = 0 })))
        {
            var first = group.First();
            string own = first.Metrics.HeadAlign ?? HeadAlignments.None;
            foreach (string option in new[] { own }.Concat(first.Metrics.Alternatives?.Keys ?? []))
            {
                var reports = group.Select(r => (r.Recipe.Seed, Report: OptionOf(r.Metrics, option, r.Path))).ToList();
                SeedSpread Over(Func<MetricsReport, double> value) => SeedSpread.Of(reports.Select(r => value(r.Report)).ToList());
                bool kd = first.Recipe.Method == Methods.SdLoraKd;
                rows.Add(new MethodTableRow(first.Recipe.Data, first.Recipe.Method + (first.Recipe.Clora?.Variant() ?? "") + (first.Recipe.Inflora?.Variant() ?? ""), option, reports.Select(r => r.Seed).ToArray(),
                    Over(r => r.Acc), Over(r => r.Aaa), Over(r => r.Forgetting), Over(r => r.WhenLearned?.Average() ?? double.NaN),
                    Over(r => r.TaskAware?.Acc ?? double.NaN), Over(r => r.TaskId?.Acc ?? double.NaN),
                    reports.Max(r => r.Report.StatisticsBytes), Over(r => r.HeadAlignSeconds),
                    group.Average(r => (double)r.Metrics.AdapterParameters), kd ? first.Recipe.EffectiveKdThreshold : null,
                    kd ? group.Average(r => AbsorbedFraction(r.Metrics)) : null)
                {
                    AfterTask = Enumerable.Range(0, first.Metrics.AccuracyAfterTask.Length).Select(t => Over(r => r.AccuracyAfterTask[t])).ToArray(),
                    TrainingSeconds = group.All(r => r.Metrics.Costs is not null) ? SeedSpread.Of(group.Select(r => r.Metrics.Costs!.Sum(c => c.TrainingSeconds)).ToList()) : null,
                    OwnHead = option == own,
                    Subspace = SubspaceOf(group.Select(r => r.Metrics).ToList()),
                });
            }
        }
        return rows;
    }

    public static string Markdown(IReadOnlyList<MethodTableRow> rows)
    {
        var text = new StringBuilder();
        int[] seeds = rows.SelectMany(r => r.Seeds).Distinct().Order().ToArray();
        text.AppendLine($"{seeds.Length} seed(s) ({string.Join(", ", seeds)}), mean ± std over seeds, %. Heads other than a run's own are scored on " +
                        "that run's backbone, which is exactly the backbone a run with that option trains (the masked loss never reads old rows). " +
                        "Just learned: each task's classes right after learning it (mean over tasks). Task-id acc: how often the argmax falls " +
                        "among the image's own task's classes. Statistics: the class statistics ca stores. Align s: seconds of statistics and alignment per run. " +
                        "Adapter: LoRA factors, magnitudes and KD offsets stored after the last task (— for runs made before cltool counted them). " +
                        "Train s: seconds of training over all tasks per run (the head options share them; — for runs made before cltool timed them). " +
                        "KD: sdlora-kd's τ and the share of modules (block × q|v) absorbed over all tasks after the first. " +
                        "Subspace: what InfLoRA stores besides its factors, the smallest and largest block's subspace of the width and its float64 MB.");
        text.AppendLine();
        text.AppendLine("| data | method | head | Acc (last) | AAA | forgetting | just learned | task id given | task-id acc | statistics MB | align s | adapter params | train s | kd τ, absorbed | subspace |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (MethodTableRow r in rows)
            text.AppendLine($"| {r.Data} | {r.Method} | {r.Head} | {r.Acc.Percent} | {r.Aaa.Percent} | {r.Forgetting.Percent} | {r.WhenLearned.Percent} | " +
                            $"{r.TaskAwareAcc.Percent} | {r.TaskIdAcc.Percent} | {r.StatisticsBytes / 1e6:F2} | {r.AlignSeconds.Mean:F1} | " +
                            $"{(r.AdapterParameters > 0 ? r.AdapterParameters.ToString("N0", CultureInfo.InvariantCulture) : "—")} | " +
                            $"{(r.TrainingSeconds is { } seconds ? $"{seconds.Mean:F0} ± {seconds.Std:F0}" : "—")} | " +
                            $"{(r.KdThreshold is { } tau ? $"{tau:G4}, {r.AbsorbedFraction * 100:F1} %" : "—")} | " +
                            $"{(r.Subspace is { } s ? $"{s.Smallest}–{s.Largest} of {s.Dim}, {s.Bytes / 1e6:F3} MB" : "—")} |");
        return text.ToString();
    }

    /// <summary>
    /// Acc (last) against the adapter numbers stored, one point per row of a run's own head (alternatives share its
    /// adapter): the price in storage of each method and of each SD-LoRA-KD threshold. False (nothing drawn) when no row counted them.
    /// </summary>
    public static bool PlotParameters(IReadOnlyList<MethodTableRow> rows, string path)
    {
        var points = rows.Where(r => r.AdapterParameters > 0).GroupBy(r => (r.Data, r.Method, r.KdThreshold)).Select(g => g.First())
            .Select(r => ($"{r.Method}{(r.KdThreshold is { } tau ? $" τ={tau:G4}" : "")}", r.AdapterParameters / 1000, r.Acc.Mean)).ToList();
        if (points.Count == 0) return false;
        AccuracyPlots.Scatter(points, "adapter numbers stored after the last task (thousands)", "Acc (last) against stored adapter parameters", path);
        return true;
    }

    /// <summary>InfLoRA's last subspace over seeds: the smallest and largest block size any seed stored, the mean float64 bytes.</summary>
    static (int, int, int, double)? SubspaceOf(IReadOnlyList<MetricsReport> seeds)
    {
        if (seeds.Any(m => m.Subspaces is not { Length: > 0 })) return null;
        var last = seeds.Select(m => m.Subspaces![^1]).ToList();
        return (last.Min(s => s.Sizes.Min()), last.Max(s => s.Sizes.Max()), last[0].Dim, last.Average(s => (double)s.Bytes));
    }

    static double AbsorbedFraction(MetricsReport metrics) => metrics.Absorptions is { Length: > 0 } steps
        ? (double)steps.Sum(a => a.Absorbed) / steps.Sum(a => a.Modules)
        : 0;

    /// <summary>
    /// Accuracy on all classes seen after each task, mean over seeds with a band of ± one std, one line per dataset and
    /// method with its own head option (the other options share its backbone; the table has them).
    /// </summary>
    public static void PlotCurves(IReadOnlyList<MethodTableRow> rows, string path)
    {
        var own = rows.Where(r => r.OwnHead).ToList();
        bool manyData = own.Select(r => r.Data).Distinct().Count() > 1;
        var series = own.Select(r => (Name: $"{r.Method}, {r.Head}{(manyData ? $" ({r.Data.Split('?')[0]})" : "")}",
            Values: r.AfterTask.Select(a => a.Mean).ToArray(), Band: r.AfterTask.Select(a => a.Std).ToArray())).ToList();
        int seeds = own.Max(r => r.Seeds.Length);
        AccuracyPlots.Curves(series.Select(s => (s.Name, s.Values)).ToList(),
            $"Acc on the classes seen so far, mean{(seeds > 1 ? " ± std" : "")} over {seeds} seed(s)", path, series.Select(s => s.Band).ToList());
    }

    /// <summary>Acc (last) as bars: one group per dataset and method, one bar per head option.</summary>
    public static void Plot(IReadOnlyList<MethodTableRow> rows, string path)
    {
        static string GroupOf(MethodTableRow r) => $"{r.Method} ({r.Data.Split('?')[0]})";
        string[] groups = rows.Select(GroupOf).Distinct().ToArray();
        string[] heads = rows.Select(r => r.Head).Distinct().ToArray();
        var series = heads.Select(head => ($"head {head}", groups.Select(group =>
            rows.FirstOrDefault(r => r.Head == head && GroupOf(r) == group)?.Acc.Mean ?? double.NaN).ToArray())).ToList();
        AccuracyPlots.Bars(series, groups, "Acc (last), mean over seeds, by head option", path);
    }

    static MetricsReport OptionOf(MetricsReport metrics, string option, string path) =>
        option == metrics.HeadAlign || (metrics.HeadAlign is null && option == HeadAlignments.None) ? metrics
        : metrics.Alternatives?.GetValueOrDefault(option)
          ?? throw new CltoolException($"Run '{path}' did not score the head option '{option}' that other seeds of the same method did; " +
                                       "runs of one method must share their head alignment.");

    static (string Path, TrainRecipe Recipe, MetricsReport Metrics) Read(string path)
    {
        var run = new RunDirectory(path);
        if (!File.Exists(run.Recipe) || !File.Exists(run.Metrics))
            throw new CltoolException($"'{path}' is not a finished run directory (expected {run.Recipe} and {run.Metrics}).");
        TrainRecipe recipe = TrainRecipe.Load(run.Recipe);
        MetricsReport metrics = MetricsReport.Read(run.Metrics);
        if (metrics.AccuracyAfterTask.Length != metrics.Matrix.Length)
            throw new CltoolException($"Run '{path}' is unfinished: {metrics.AccuracyAfterTask.Length} of {metrics.Matrix.Length} tasks evaluated; " +
                                      "finish it with cltool train --resume.");
        return (path, recipe, metrics);
    }
}
