// The EMF checker the metric tests rely on must refuse what CloudWatch Logs would not extract.
import { describe, expect, it } from 'vitest';
import { emfMetrics } from '../support/emf.ts';

const valid = () => ({
  _aws: {
    Timestamp: 1796000000000,
    CloudWatchMetrics: [
      {
        Namespace: 'Kodexa/SliceCompletion',
        Dimensions: [['service']],
        Metrics: [{ Name: 'SliceUpdated', Unit: 'Count' }],
      },
    ],
  },
  service: 'slice-completion',
  SliceUpdated: 1,
});

describe('emfMetrics', () => {
  it('reads a valid document', () => {
    expect(emfMetrics(valid()).get('SliceUpdated')).toEqual({
      namespace: 'Kodexa/SliceCompletion',
      dimensionSets: [['service']],
      dimensions: { service: 'slice-completion' },
      unit: 'Count',
      value: 1,
    });
  });

  const broken: Array<[string, (d: ReturnType<typeof valid>) => void]> = [
    ['no Timestamp', (d) => Reflect.deleteProperty(d._aws, 'Timestamp')],
    [
      'a unit CloudWatch does not know',
      (d) => Object.assign(d._aws.CloudWatchMetrics[0]?.Metrics[0] ?? {}, { Unit: 'Slices' }),
    ],
    ['no namespace', (d) => Reflect.deleteProperty(d._aws.CloudWatchMetrics[0] ?? {}, 'Namespace')],
    ['a dimension without a string value', (d) => Object.assign(d, { service: 7 })],
    ['a metric without a value', (d) => Reflect.deleteProperty(d, 'SliceUpdated')],
    ['a metric whose value is text', (d) => Object.assign(d, { SliceUpdated: '1' })],
  ];
  it.each(broken)('refuses a document with %s', (_, breakIt) => {
    const document = valid();
    breakIt(document);
    expect(() => emfMetrics(document)).toThrow();
  });
});
