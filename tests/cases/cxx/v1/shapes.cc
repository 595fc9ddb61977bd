// shapes.cc - shapes and a counter.
#include "shapes.h"

Shape::~Shape() {}

int Square::area() const
{
	return side * side;
}

int Circle::area() const
{
	return 3 * radius * radius;
}

int Counter::step(int by)
{
	total += 2 * by;
	return total;
}

Shape *make_shape(long i)
{
	if (i % 2)
		return new Square((int)i);
	return new Circle((int)i);
}
