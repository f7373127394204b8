{
 "format": "lean-mlops-profile",
 "version": 1,
 "rows": 3,
 "files": 1,
 "sketch_k": 710,
 "max_exact": 100000,
 "columns": [
  {
   "name": "a",
   "type": "numeric",
   "count": 2,
   "missing": 1,
   "min": 1.0,
   "max": 2.5,
   "mean": 1.75,
   "variance": 0.5625,
   "m2": 1.125,
   "distribution": "exact",
   "values": [
    [
     1.0,
     1
    ],
    [
     2.5,
     1
    ]
   ]
  },
  {
   "name": "b",
   "type": "categorical",
   "count": 3,
   "missing": 0,
   "distribution": "exact",
   "values": [
    [
     "x",
     1
    ],
    [
     "y",
     1
    ],
    [
     "z",
     1
    ]
   ]
  }
 ],
 "sha256": "fcc6c695a6897c5eddb3c2d0a4bdf612daefd7b00d8314ad157aca84ef99e338"
}
