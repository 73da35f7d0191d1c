"""The sample data set: real Birmingham boundaries and stations, synthetic incidents with a
planted truth (:mod:`geo.sample.synthetic` writes them; :mod:`~geo.sample.plan` holds what is
planted). Writes files; imports only ``geo.config``.
"""
