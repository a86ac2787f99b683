using Cltool.Core.Continual;
using Spectre.Console;

namespace Cltool.Cli.Infrastructure;

/// <summary>The accuracy matrix and its headline metrics as a console table.</summary>
public static class AccuracyReport
{
    public static void Write(IAnsiConsole console, string title, AccuracyMatrix matrix)
    {
        var table = new Table().Title(Markup.Escape(title)).AddColumn("classes of");
        for (int j = 0; j < matrix.Completed; j++) table.AddColumn(new TableColumn($"after {j + 1}").RightAligned());
        for (int g = 0; g < matrix.Tasks; g++)
            table.AddTextRow([$"task {g + 1}", .. Enumerable.Range(0, matrix.Completed).Select(j => Percent(matrix[g, j]))]);
        table.AddTextRow(["all seen", .. Enumerable.Range(0, matrix.Completed).Select(j => Percent(matrix.AccuracyAfter(j)))]);
        console.Write(table);
        console.MarkupLineInterpolated(
            $"Acc (last) [bold]{matrix.Last * 100:F2}[/]  AAA [bold]{matrix.AverageAnytime * 100:F2}[/]  forgetting [bold]{matrix.Forgetting * 100:F2}[/]  (%, sample-weighted)");
    }

    static string Percent(double value) => double.IsNaN(value) ? "" : $"{value * 100:F2}";
}
