"""The sample data set: real Birmingham boundaries and stations, synthetic incidents with a
planted truth (:mod:`geo.sample.synthetic`). Writes files; imports only ``geo.config``.
"""
