using UnityEngine;

namespace RLMiniStyler.Sample
{
    /// <summary>Frame times (ms) over a sliding window of the last N frames: average, min, max.
    /// A fixed ring buffer, so adding a frame allocates nothing.</summary>
    public sealed class FrameStats
    {
        readonly float[] m_Ms;
        int m_Next;
        int m_Count;
        int m_Skip;

        public FrameStats(int window)
        {
            m_Ms = new float[Mathf.Max(2, window)];
        }

        public int Window { get { return m_Ms.Length; } }
        public int Count { get { return m_Count; } }
        public bool Full { get { return m_Count == m_Ms.Length; } }

        /// <summary>Forget everything and ignore the next `skipFrames` frames (the transition after a
        /// toggle or a model switch is not representative).</summary>
        public void Reset(int skipFrames)
        {
            m_Next = 0;
            m_Count = 0;
            m_Skip = skipFrames;
        }

        public void Add(float milliseconds)
        {
            if (m_Skip > 0)
            {
                m_Skip--;
                return;
            }
            m_Ms[m_Next] = milliseconds;
            m_Next = (m_Next + 1) % m_Ms.Length;
            if (m_Count < m_Ms.Length)
                m_Count++;
        }

        public float AverageMs
        {
            get
            {
                if (m_Count == 0) return 0f;
                var sum = 0.0;
                for (var i = 0; i < m_Count; i++) sum += m_Ms[i];
                return (float)(sum / m_Count);
            }
        }

        public float MinMs
        {
            get
            {
                if (m_Count == 0) return 0f;
                var v = float.MaxValue;
                for (var i = 0; i < m_Count; i++) v = Mathf.Min(v, m_Ms[i]);
                return v;
            }
        }

        public float MaxMs
        {
            get
            {
                var v = 0f;
                for (var i = 0; i < m_Count; i++) v = Mathf.Max(v, m_Ms[i]);
                return v;
            }
        }

        /// <summary>Frames per second from the average frame time (not the mean of per-frame fps).</summary>
        public float Fps
        {
            get
            {
                var avg = AverageMs;
                return avg > 0f ? 1000f / avg : 0f;
            }
        }

        public string Describe()
        {
            if (m_Count == 0)
                return "measuring...";
            return string.Format("{0,6:F1} fps  avg {1,6:F2} ms  min {2,6:F2}  max {3,6:F2}  ({4}{5} frames)",
                                 Fps, AverageMs, MinMs, MaxMs, m_Count, Full ? "" : "/" + m_Ms.Length);
        }
    }
}
