using Cltool.Core.IO;
using Cltool.Core.Models;
using Cltool.Core.Reports;
using Spectre.Console;

namespace Cltool.Cli.Infrastructure;

/// <summary>The paper-style table of finished runs (mean ± std over seeds), printed, and with a prefix also written as Markdown, JSON and PNGs (Acc bars, curves with spread, parameters).</summary>
public static class MethodReport
{
    public static void Write(IReadOnlyList<string> runs, string? prefix, IAnsiConsole console)
    {
        IReadOnlyList<MethodTableRow> rows = MethodTable.Build(runs);
        string markdown = MethodTable.Markdown(rows);
        console.WriteLine(markdown);
        string[] datasets = rows.Select(r => r.Data).Distinct().ToArray();
        if (datasets.Length > 1)
            console.MarkupLineInterpolated($"[yellow]these runs use {datasets.Length} datasets ({string.Join("; ", datasets)}): their rows are grouped by dataset and never averaged together[/]");
        if (prefix is null) return;
        string? folder = Path.GetDirectoryName(Path.GetFullPath(prefix));
        if (folder is not null) Directory.CreateDirectory(folder);
        AtomicFile.WriteAllText(prefix + ".md", markdown);
        AtomicFile.WriteAllText(prefix + ".json", CltoolJson.Serialize(rows) + "\n");
        MethodTable.Plot(rows, prefix + ".png");
        MethodTable.PlotCurves(rows, prefix + "-curves.png");
        bool parameters = MethodTable.PlotParameters(rows, prefix + "-parameters.png");
        console.MarkupLineInterpolated($"[grey]wrote {prefix}.md, {prefix}.json, {prefix}.png, {prefix}-curves.png{(parameters ? $", {prefix}-parameters.png" : "")}[/]");
    }
}
