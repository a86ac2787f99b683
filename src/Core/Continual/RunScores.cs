using Cltool.Core.Adapters.Directions;
using Cltool.Core.Adapters.Subspace;

namespace Cltool.Core.Continual;

/// <summary>
/// Everything a run has measured so far, per head option it tracks (the recipe's first): the scores, the seconds its
/// alignment took (class statistics included where it samples them) and the bytes of statistics it needs stored; and
/// per task, its training seconds and parameters by group. Rebuilt from a checkpoint's report on --resume.
/// </summary>
public sealed class RunScores
{
    readonly string[] _options;
    readonly Dictionary<string, HeadScores> _scores;
    readonly Dictionary<string, double> _seconds;
    readonly List<AbsorptionReport> _absorptions;
    readonly List<SubspaceReport> _subspaces;
    readonly List<TaskCost> _costs;

    RunScores(string[] options, Dictionary<string, HeadScores> scores, Dictionary<string, double> seconds, MetricsReport? report) =>
        (_options, _scores, _seconds, StatisticsBytes, AdapterParameters, _absorptions, _subspaces, _costs) =
        (options, scores, seconds, report?.StatisticsBytes ?? 0, report?.AdapterParameters ?? 0, [.. report?.Absorptions ?? []],
         [.. report?.Subspaces ?? []], [.. report?.Costs ?? []]);

    /// <summary>Bytes of the class statistics stored so far (what ca and ca-restore cost in storage).</summary>
    public long StatisticsBytes { get; set; }
    /// <summary>Adapter numbers the model stores now (the same backbone for every head option).</summary>
    public long AdapterParameters { get; private set; }
    public HeadScores Selected => _scores[_options[0]];
    /// <summary>Every tracked option's scores, the recipe's first.</summary>
    public IEnumerable<(string Option, HeadScores Scores)> All => _options.Select(option => (option, _scores[option]));
    public int Completed => Selected.ClassIncremental.Completed;

    /// <summary>Empty scores for <paramref name="options"/>, or those of <paramref name="report"/> when resuming.</summary>
    public static RunScores Start(IReadOnlyList<string> options, int tasks, MetricsReport? report)
    {
        MetricsReport? Of(string option) => report is null ? null
            : option == options[0] ? report
            : report.Alternatives?.GetValueOrDefault(option)
              ?? throw new Errors.CltoolException($"The checkpoint's metrics lack the head option '{option}' this run scores; " +
                                                  "it was written by an older cltool: start the run again without --resume.");
        return new RunScores(options.ToArray(),
            options.ToDictionary(option => option, option => Of(option) is { } r ? HeadScores.FromReport(r, tasks) : new HeadScores(tasks)),
            options.ToDictionary(option => option, option => Of(option)?.HeadAlignSeconds ?? 0),
            report);
    }

    /// <summary>Records task <paramref name="task"/>'s evaluation of every option, in the order the options were given.</summary>
    public void Record(int task, IReadOnlyList<TaskCounts> counts)
    {
        foreach ((string option, TaskCounts count) in _options.Zip(counts)) _scores[option].Record(task, count);
    }

    public void AddSeconds(string option, double seconds) => _seconds[option] += seconds;

    /// <summary>Keeps what a method reported at the end of a task, under its kind.</summary>
    public void AddMethodReport(IMethodReport report)
    {
        switch (report)
        {
            case AbsorptionReport absorption: _absorptions.Add(absorption); break;
            case SubspaceReport subspace: _subspaces.Add(subspace); break;
            default: throw new ArgumentException($"No metrics field keeps a {report.GetType().Name}.");
        }
    }

    /// <summary>Adds an epoch's seconds to task <paramref name="task"/>'s training time.</summary>
    public void AddTrainingSeconds(int task, double seconds)
    {
        TaskCost cost = CostOf(task);
        _costs[task] = cost with { TrainingSeconds = Math.Round(cost.TrainingSeconds + seconds, 3) };
    }

    /// <summary>Records the process's peak resident memory so far as task <paramref name="task"/>'s.</summary>
    public void SetPeakMemory(int task, double? megabytes) => _costs[task] = CostOf(task) with { PeakResidentMegabytes = megabytes };

    /// <summary>Task <paramref name="task"/>'s parameters by group; the adapter numbers stored become theirs.</summary>
    public void SetParameters(int task, ParameterGroup[] groups)
    {
        _costs[task] = CostOf(task) with { Parameters = groups };
        AdapterParameters = ParameterGroups.AdapterStored(groups);
    }

    TaskCost CostOf(int task)
    {
        while (_costs.Count <= task) _costs.Add(new TaskCost(0, []));
        return _costs[task];
    }

    public MetricsReport ToReport() => ReportOf(_options[0]) with
    {
        HeadAlign = _options[0],
        Alternatives = _options.Length > 1 ? _options.Skip(1).ToDictionary(option => option, ReportOf) : null,
        Costs = _costs.Count > 0 ? [.. _costs] : null,   // the backbone's, shared by every head option
    };

    MetricsReport ReportOf(string option) => _scores[option].ToReport() with
    {
        StatisticsBytes = HeadAlignments.NeedsStatistics(option) ? StatisticsBytes : 0,
        HeadAlignSeconds = Math.Round(_seconds[option], 3),
        AdapterParameters = AdapterParameters,
        Absorptions = _absorptions.Count > 0 ? [.. _absorptions] : null,
        Subspaces = _subspaces.Count > 0 ? [.. _subspaces] : null,
    };
}
