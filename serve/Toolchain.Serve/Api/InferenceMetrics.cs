using Prometheus;
using Toolchain.Serve.Repository;

namespace Toolchain.Serve.Api;

/// <summary>
/// Per-model Prometheus metrics, in a registry of the server's own (so two servers in one process do not
/// share counts). Only models that exist get a label: requests for unknown names cannot grow the series.
/// </summary>
public sealed class InferenceMetrics
{
    private readonly Counter requests;
    private readonly Histogram duration;
    private readonly Counter items;

    public InferenceMetrics(CollectorRegistry registry)
    {
        Registry = registry;
        var factory = Metrics.WithCustomRegistry(registry);
        requests = factory.CreateCounter(
            "toolchain_inference_requests_total", "Infer requests by model, version and outcome (ok, bad_request, error).",
            ["model", "version", "outcome"]);
        duration = factory.CreateHistogram(
            "toolchain_inference_duration_seconds", "Time to validate, run and encode an infer request.",
            new HistogramConfiguration { LabelNames = ["model", "version"], Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16) });
        items = factory.CreateCounter(
            "toolchain_inference_items_total", "Batch items (first dimension of the first input) inferred.",
            ["model", "version"]);
    }

    public CollectorRegistry Registry { get; }

    public void Record(ModelVersion model, string outcome, TimeSpan elapsed, long batchItems)
    {
        var version = model.Version.ToString();
        requests.WithLabels(model.Name, version, outcome).Inc();
        duration.WithLabels(model.Name, version).Observe(elapsed.TotalSeconds);
        if (batchItems > 0) items.WithLabels(model.Name, version).Inc(batchItems);
    }
}
