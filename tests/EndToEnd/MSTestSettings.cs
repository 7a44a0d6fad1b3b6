// The tests share one broker process and read its audit log; run them one at a time.
[assembly: DoNotParallelize]
