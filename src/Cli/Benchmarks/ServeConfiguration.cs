using Cltool.InferenceHost;

namespace Cltool.Cli.Benchmarks;

/// <summary>One server configuration under test: how it batches and which wire format its clients speak.</summary>
public sealed record ServeConfiguration(string Mode, WireProtocol Protocol, ServeOptions Options);
