using Prometheus;
using Toolchain.Serve.Inference;
using Toolchain.Serve.Repository;

namespace Toolchain.Serve.Api;

/// <summary>
/// Per-model Prometheus metrics, in a registry of the server's own (so two servers in one process do not
/// share counts). Only models that exist get a label: requests for unknown names cannot grow the series.
/// Gauges for slots in use, requests waiting and versions that failed to load are read when scraped; the
/// process's memory, CPU and GC figures come with them.
/// </summary>
public sealed class InferenceMetrics
{
    private readonly Counter requests;
    private readonly Histogram duration;
    private readonly Counter items;
    private readonly Histogram batchSize;
    private readonly Histogram queueTime;

    public InferenceMetrics(CollectorRegistry registry, InferenceSlots slots, ModelRepository models)
    {
        Registry = registry;
        var factory = Metrics.WithCustomRegistry(registry);
        requests = factory.CreateCounter(
            "toolchain_inference_requests_total",
            "Infer requests by model, version and outcome (ok, bad_request, busy, timeout, error).",
            ["model", "version", "outcome"]);
        duration = factory.CreateHistogram(
            "toolchain_inference_duration_seconds", "Time to validate, run and encode an infer request.",
            new HistogramConfiguration { LabelNames = ["model", "version"], Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16) });
        items = factory.CreateCounter(
            "toolchain_inference_items_total", "Batch items (first dimension of the first input) inferred.",
            ["model", "version"]);
        batchSize = factory.CreateHistogram(
            "toolchain_batch_size", "Rows in each batch the dynamic batcher ran.",
            new HistogramConfiguration { LabelNames = ["model", "version"], Buckets = Histogram.ExponentialBuckets(1, 2, 11) });
        queueTime = factory.CreateHistogram(
            "toolchain_batch_queue_seconds", "Time a request waited in the dynamic batcher's queue before its batch ran.",
            new HistogramConfiguration { LabelNames = ["model", "version"], Buckets = Histogram.ExponentialBuckets(0.00001, 2, 16) });
        var inFlight = factory.CreateGauge("toolchain_inference_in_flight", "Infer requests holding a slot (reading, validating or running).");
        var queued = factory.CreateGauge("toolchain_inference_queued", "Infer requests waiting for a slot.");
        var failed = factory.CreateGauge("toolchain_model_load_failures", "Version folders in the repository that failed to load.");
        registry.AddBeforeCollectCallback(() =>
        {
            inFlight.Set(slots.InUse);
            queued.Set(slots.Waiting);
            failed.Set(models.Snapshot.Models.Values.Sum(m => m.Failures.Count));
        });
        DotNetStats.Register(registry);
    }

    public CollectorRegistry Registry { get; }

    public void Record(ModelVersion model, string outcome, TimeSpan elapsed, long batchItems)
    {
        var series = For(model);
        (outcome == "ok" ? series.Ok : requests.WithLabels(model.Name, series.Version, outcome)).Inc();
        series.Duration.Observe(elapsed.TotalSeconds);
        if (batchItems > 0) series.Items.Inc(batchItems);
    }

    /// <summary>A batched request's wait in the queue and, once per batch (by its first request), the batch's size.</summary>
    public void RecordBatch(ModelVersion model, BatchItem item)
    {
        var series = For(model);
        series.QueueTime.Observe(item.QueueTime.TotalSeconds);
        if (item.FirstInBatch) series.BatchSize.Observe(item.BatchRows);
    }

    // Looking a labelled series up costs a label array and a dictionary probe; every request would pay it several
    // times over. Each version's series are looked up once and kept with the version.
    private Series For(ModelVersion model) => seriesByVersion.GetValue(model, m =>
    {
        var version = m.Version.ToString();
        return new Series(version, requests.WithLabels(m.Name, version, "ok"), duration.WithLabels(m.Name, version),
            items.WithLabels(m.Name, version), batchSize.WithLabels(m.Name, version), queueTime.WithLabels(m.Name, version));
    });

    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<ModelVersion, Series> seriesByVersion = new();

    private sealed record Series(string Version, Counter.Child Ok, Histogram.Child Duration, Counter.Child Items, Histogram.Child BatchSize, Histogram.Child QueueTime);
}
